/** The words the console shows for the registry's codes, and the direction of a language's text. */
export const REGIONS: Record<string, string> = {
  AFR: 'Africa',
  MDE: 'Middle East and North Africa',
  ASI: 'Asia and South Pacific',
  EUR: 'Europe',
  GLB: 'Global',
};

export const STREAMS: Record<string, string> = {
  IDENTIFICATION: 'Identification',
  TRAVEL_MOBILITY: 'Travel and mobility',
  ONLINE_PRESENCE: 'Online presence',
  WEAPONS_MATERIALS: 'Weapons and materials',
  FINANCING: 'Financing',
};

export const STATUSES: Record<string, string> = {
  PIPELINE: 'Pipeline',
  IMPLEMENTATION: 'Implementation',
  FINALISATION: 'Finalisation',
  CLOSED: 'Closed',
  CANCELLED: 'Cancelled',
  SUSPENDED: 'Suspended',
};

export const KINDS: Record<string, string> = {
  PRJ: 'Project or programme',
  OPS: 'Operation',
  TRN: 'Training',
  MTG: 'Meeting',
  DEP: 'Deployment',
};

export const LANGUAGE_NAMES: Record<string, string> = { en: 'English', fr: 'French', es: 'Spanish', ar: 'Arabic' };

/** The label of a code in a table of labels, or the code itself. */
export function labelOf(table: Record<string, string>, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—';
  return table[code] ?? code;
}

const RTL_LANGUAGES = new Set(['ar', 'fa', 'he', 'ur', 'ps', 'yi', 'dv', 'ku', 'sd', 'ug']);

/** `rtl` for Arabic (and the other right-to-left scripts), `ltr` otherwise; region subtags ignored (ar-EG). */
export function dirOf(lang: string | undefined): 'rtl' | 'ltr' {
  const primary = (lang ?? '').toLowerCase().split(/[-_]/)[0];
  return RTL_LANGUAGES.has(primary) ? 'rtl' : 'ltr';
}

const ARABIC_LETTERS = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;

/**
 * The language of a glossary term that named a concept in one of a record's titles (the title or a translation):
 * the language of the title that contains it; else, by its letters, the record's right-to-left title (Arabic) or
 * its first left-to-right one. A term is the glossary's form, not always the title's words ("التدريب" for "تدريب").
 */
export function langOfTerm(term: string, titles: readonly { lang: string; text: string }[]): string | undefined {
  const lower = term.toLocaleLowerCase();
  const containing = titles.find((t) => t.text.toLocaleLowerCase().includes(lower));
  if (containing) return containing.lang;
  if (ARABIC_LETTERS.test(term)) return titles.find((t) => dirOf(t.lang) === 'rtl')?.lang ?? 'ar';
  return titles.find((t) => dirOf(t.lang) === 'ltr')?.lang;
}

/** A date or timestamp as YYYY-MM-DD (or YYYY-MM-DD HH:MM UTC for a timestamp); '—' when none. */
export function formatDate(value: string | null | undefined, withTime = false): string {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const iso = d.toISOString();
  return withTime ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
}

/** A duration in seconds as "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A 0..1 score as "0.87"; '—' when none. */
export function formatScore(score: number | null | undefined): string {
  return typeof score === 'number' && Number.isFinite(score) ? score.toFixed(2) : '—';
}
