import { InitiativeSnapshot } from '@ctp/contracts';

/*
 * Text search over the registry (GET /initiatives?q=): a record's titles — its title, their translations (titleAlt)
 * and its code name — are stored normalised in `registry_initiatives.search_text`, and a query is normalised the same
 * way, so "Formation a la detection" finds « Formation à la détection », "ISTANBUL" finds "İstanbul" and "امن" finds
 * "أمن". Written here, in the registry's domain (the matcher's normaliser is overlaps' own, and does more: stems,
 * clitics, concepts); PostgreSQL's unaccent is not installed by default.
 */

const LIGATURES: Record<string, string> = { œ: 'oe', Œ: 'oe', æ: 'ae', Æ: 'ae', ß: 'ss' };
const ARABIC_INDIC_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;

/**
 * Lower case, without accents or other combining marks (Latin diacritics, Arabic short vowels and hamza marks: أ إ آ
 * → ا, ؤ → و, ئ → ي), ligatures spelled out (œ → oe), Arabic letter variants folded (ٱ → ا, ة → ه, ى → ي; no
 * tatweel), Arabic-Indic digits as 0–9, and anything but letters and digits as single spaces.
 */
export function normaliseForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[œŒæÆß]/g, (c) => LIGATURES[c])
    .toLowerCase()
    .replace(/\u0640/g, '')
    .replace(/\u0671/g, '\u0627')
    .replace(/\u0629/g, '\u0647')
    .replace(/\u0649/g, '\u064a')
    .replace(ARABIC_INDIC_DIGITS, (d) => String((d.codePointAt(0)! - 0x0660) % 0x90))
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** What `q` is matched against: the title, its translations and the code name, normalised, one space between. */
export function searchTextOf(s: Pick<InitiativeSnapshot, 'title' | 'titleAlt' | 'codeName'>): string {
  const texts = [s.title?.text, ...(s.titleAlt ?? []).map((t) => t.text), s.codeName];
  return texts
    .filter((t): t is string => typeof t === 'string')
    .map(normaliseForSearch)
    .filter(Boolean)
    .join(' ');
}

/** Most words a query is split into (each one is a condition). */
export const MAX_SEARCH_TERMS = 10;

/** The words of a query, normalised, each once, in order: a record matches when its search text contains every one. */
export function searchTermsOf(q: string): string[] {
  return [...new Set(normaliseForSearch(q).split(' ').filter(Boolean))].slice(0, MAX_SEARCH_TERMS);
}
