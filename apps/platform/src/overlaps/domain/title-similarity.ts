import { BoundedCache, type Language, type LocalizedText } from '@ctp/contracts';
import { CT_BROADER, CT_GLOSSARY } from './ct-glossary';

/*
 * Title similarity across INTERPOL's four working languages (docs/domain.md "Duplicates and overlaps between reporters"):
 * the best of
 * - concept overlap: the counter-terrorism concepts each record's titles name (ct-glossary.ts), compared with a
 *   weighted Dice coefficient, whatever the languages ("Formation régionale sur les combattants terroristes étrangers"
 *   and "Regional training on foreign terrorist fighters" name the same three concepts), and
 * - character-trigram similarity (Dice) between titles written in the same language, for the words the glossary does
 *   not know (place names, operation names, wording).
 *
 * Text goes through three steps, the same for titles and for glossary terms:
 * 1. `normaliseText`: compatibility decomposition, accents and Arabic diacritics (harakat, hamza, madda) removed,
 *    lower case, punctuation to spaces, Arabic letter variants unified, tatweel removed, Arabic proclitics and French
 *    elisions removed;
 * 2. stop words (articles, prepositions, "counter"/"lutte contre"/"مكافحة"…) dropped;
 * 3. a light stemmer per language (plural -s/-x/-es/-aux, French/Spanish gender endings, Arabic -ات/-ون/-ين/-ة).
 * Everything compiled here (regular expressions, the glossary's term index, stop-word sets) is built once, at module
 * load. What a title text gives (concepts, trigrams) is cached by text, and what a record's titles give together is
 * cached per titles array (WeakMap), so comparing one record with hundreds of candidates prepares each title once.
 */

// ── 1. Normalisation ───────────────────────────────────────────────────────────────────────────────────────────────

const APOSTROPHES = /[\u2018\u2019\u02BC\u02B9\u0060\u00B4\u2032]/g;
const COMBINING_MARKS = /\p{M}+/gu;
const NON_WORD = /[^\p{L}\p{N}']+/gu;
const ARABIC_LETTER = /[\u0600-\u06FF]/;
const ARABIC_INDIC_DIGIT = /[\u0660-\u0669\u06F0-\u06F9]/g;
/** French elided articles and pronouns before a word: l', d', qu', j', n', s', c', m', t', jusqu', lorsqu'… */
const FRENCH_ELISION = /(^|[^\p{L}\p{N}])(?:l|d|j|n|s|c|m|t|qu|jusqu|lorsqu|puisqu|quoiqu)'(?=\p{L})/gu;
/** "e-" before a word (e-evidence, e-commerce): one word, so that it is not read as the word alone. */
const E_PREFIX = /(^|[^\p{L}\p{N}])e-(?=\p{L}{3})/gu;
/** English possessive. */
const ENGLISH_POSSESSIVE = /(\p{L})'s(?![\p{L}\p{N}])/gu;

/** Latin letters NFKD does not decompose. */
const LATIN_FOLDS: Readonly<Record<string, string>> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', ł: 'l', đ: 'd', ı: 'i' };
const LATIN_FOLD = /[œæßøłđı]/g;

/**
 * Arabic letters after NFKD and the removal of combining marks. NFKD already turns أ إ آ into ا, ؤ into و and ئ into ي
 * (the hamza and madda become combining marks), and the presentation forms into the base letters; this maps what
 * it leaves: alef wasla ٱ → ا, taa marbuta ة → ه, alef maqsura ى → ي, Persian/Urdu kaf and yeh → ك ي, and drops the
 * tatweel ـ.
 */
const ARABIC_FOLDS: Readonly<Record<string, string>> = {
  '\u0671': '\u0627', // ٱ → ا
  '\u0629': '\u0647', // ة → ه
  '\u0649': '\u064A', // ى → ي
  '\u06A9': '\u0643', // ک → ك
  '\u06CC': '\u064A', // ی → ي
  '\u0640': '', // tatweel
};
const ARABIC_FOLD = /[\u0671\u0629\u0649\u06A9\u06CC\u0640]/g;

/** Definite article and the proclitics that carry it, longest first: وال بال كال فال لل ال. */
const ARABIC_ARTICLES = [
  '\u0648\u0627\u0644',
  '\u0628\u0627\u0644',
  '\u0643\u0627\u0644',
  '\u0641\u0627\u0644',
  '\u0644\u0644',
  '\u0627\u0644',
];
/** One-letter proclitics: و (and), ب (with/by), ل (for/to). */
const ARABIC_ONE_LETTER_CLITICS = new Set(['\u0648', '\u0628', '\u0644']);
const WAW = '\u0648';

function foldCharacters(text: string): string {
  return text
    .replace(APOSTROPHES, "'")
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(LATIN_FOLD, (c) => LATIN_FOLDS[c])
    .replace(ARABIC_FOLD, (c) => ARABIC_FOLDS[c])
    .replace(ARABIC_INDIC_DIGIT, (d) => String((d.charCodeAt(0) - (d.charCodeAt(0) >= 0x06f0 ? 0x06f0 : 0x0660)) % 10));
}

/**
 * Removes a definite article (with its و/ب/ك/ف/ل proclitic) from an Arabic word, twice at most: a word whose own first
 * letters are ال (إلكتروني → الكتروني) loses them too, so "الإلكترونية" and "إلكترونية" read the same.
 */
function stripArabicArticle(token: string): string {
  let t = token;
  for (let pass = 0; pass < 2; pass++) {
    const prefix = ARABIC_ARTICLES.find((p) => t.startsWith(p) && t.length - p.length >= 2);
    if (!prefix) break;
    t = t.slice(prefix.length);
  }
  return t;
}

/**
 * Arabic words the glossary and the stop-word list know, stemmed: a one-letter proclitic (و ب ل) is removed when what
 * follows it is one of them and the whole word is not (وتدريب → تدريب, but بيانات stays بيانات). Filled once at module
 * load, before the glossary is compiled; empty while it is being filled, so glossary terms are read with the article
 * rule only (a unit test checks that re-normalising them changes nothing).
 */
const ARABIC_VOCABULARY = new Set<string>();

/** Common words that begin with و/ب/ل as part of the word, for words outside the glossary. */
const ARABIC_PROTECTED_WORDS = [
  'وزارة',
  'وكالة',
  'وكالات',
  'ولاية',
  'وحدة',
  'وحدات',
  'ورشة',
  'وثائق',
  'وسائل',
  'بلد',
  'بلدان',
  'لجنة',
  'لبنان',
  'ليبيا',
];

function stripArabicClitics(token: string): string {
  const withoutArticle = stripArabicArticle(token);
  if (withoutArticle !== token) return withoutArticle;
  if (!ARABIC_ONE_LETTER_CLITICS.has(token[0]) || ARABIC_VOCABULARY.size === 0) return token;
  if (ARABIC_VOCABULARY.has(stemArabic(token))) return token;
  const rest = stripArabicArticle(token.slice(1));
  if (rest.length < 2) return token;
  if (ARABIC_VOCABULARY.has(stemArabic(rest))) return rest;
  // Outside the glossary only the conjunction و is taken off, and only before a word of four letters or more.
  return token[0] === WAW && rest.length >= 4 ? rest : token;
}

function normalisedTokens(text: string, lang: Language): string[] {
  let s = foldCharacters(text).replace(E_PREFIX, '$1e');
  if (lang === 'fr') s = s.replace(FRENCH_ELISION, '$1');
  else if (lang === 'en') s = s.replace(ENGLISH_POSSESSIVE, '$1');
  const out: string[] = [];
  for (const raw of s.split(NON_WORD)) {
    for (const piece of raw.split("'")) {
      if (!piece) continue;
      out.push(ARABIC_LETTER.test(piece[0]) ? stripArabicClitics(piece) : piece);
    }
  }
  return out;
}

/**
 * Lower case, without accents, punctuation, Arabic diacritics/letter variants/tatweel, Arabic proclitics (ال و ب ل
 * لل وال بال كال فال) or French elisions (l' d' qu'…), words separated by single spaces. Stop words and plurals are
 * kept: they are removed when titles are compared.
 */
export function normaliseText(text: string, lang: Language): string {
  return normalisedTokens(text, lang).join(' ');
}

// ── 2. Stop words and 3. stemming ─────────────────────────────────────────────────────────────────────────────────

function stemEnglish(t: string): string {
  if (t.length <= 3) return t;
  let s = t;
  if (s.endsWith('isations')) s = `${s.slice(0, -8)}ization`;
  else if (s.endsWith('isation')) s = `${s.slice(0, -7)}ization`;
  else if (s.endsWith('ised')) s = `${s.slice(0, -4)}ized`;
  if (s.endsWith('ies') && s.length > 4) return `${s.slice(0, -3)}y`;
  if (s.endsWith('sses')) return s.slice(0, -2);
  if (s.endsWith('s') && !s.endsWith('ss') && (s.length <= 5 || !(s.endsWith('us') || s.endsWith('is')))) {
    return s.slice(0, -1);
  }
  return s;
}

function stemFrench(t: string): string {
  if (t.length <= 3) return t;
  let s = t;
  if (s.endsWith('eaux')) s = s.slice(0, -1);
  else if (s.endsWith('aux') && s.length > 4) s = `${s.slice(0, -3)}al`;
  else if (s.endsWith('s') || s.endsWith('x')) s = s.slice(0, -1);
  if (s.endsWith('e') && s.length > 4) s = s.slice(0, -1);
  return s;
}

const SPANISH_ES_AFTER = new Set(['l', 'r', 'n', 'd', 'z', 'j']);

function stemSpanish(t: string): string {
  if (t.length <= 3) return t;
  let s = t;
  if (s.endsWith('ces') && s.length > 4) s = `${s.slice(0, -3)}z`;
  else if (s.endsWith('es') && s.length > 4 && SPANISH_ES_AFTER.has(s[s.length - 3])) s = s.slice(0, -2);
  else if (s.endsWith('s')) s = s.slice(0, -1);
  if ((s.endsWith('a') || s.endsWith('o')) && s.length > 4) s = s.slice(0, -1);
  return s;
}

/**
 * Arabic suffixes a light stemmer removes, in this order, each at most once (Larkey, Ballesteros and Connell's
 * "light10"): -ها (her/its), the dual -ان, the sound plurals -ات -ون -ين, the adjectival -ية (read يه), the feminine
 * -ة (read ه) and the adjectival -ي. So إرهاب, إرهابي, إرهابية and إرهابيين, or تدريب and تدريبية, read the same.
 */
const ARABIC_SUFFIXES = [
  '\u0647\u0627', // ها
  '\u0627\u0646', // ان
  '\u0627\u062A', // ات
  '\u0648\u0646', // ون
  '\u064A\u0646', // ين
  '\u064A\u0647', // يه (ية)
  '\u0647', // ه (ة)
  '\u064A', // ي
];

/**
 * Adjectives in -ي/-ية whose noun means something else, kept apart from it: اجتماعي (social) is not اجتماع (a
 * meeting), so "social reintegration" or "social cohesion" does not read as a meeting. Each is stemmed to the
 * adjective's masculine singular.
 */
const ARABIC_ADJECTIVES_KEPT = ['\u0627\u062C\u062A\u0645\u0627\u0639\u064A']; // اجتماعي

/** Light Arabic stemmer: each of `ARABIC_SUFFIXES` in turn goes if at least 3 letters remain. */
function stemArabic(t: string): string {
  for (const adjective of ARABIC_ADJECTIVES_KEPT) if (t.startsWith(adjective)) return adjective;
  let s = t;
  for (const suffix of ARABIC_SUFFIXES) {
    if (s.length >= suffix.length + 3 && s.endsWith(suffix)) s = s.slice(0, -suffix.length);
  }
  return s;
}

const LATIN_STEMMERS: Readonly<Record<Language, (t: string) => string>> = {
  en: stemEnglish,
  fr: stemFrench,
  es: stemSpanish,
  ar: stemEnglish, // Latin words inside an Arabic title (acronyms, operation names)
};

function stem(token: string, lang: Language): string {
  return ARABIC_LETTER.test(token[0]) ? stemArabic(token) : LATIN_STEMMERS[lang](token);
}

const RAW_STOP_WORDS: Readonly<Record<Language, string>> = {
  en:
    'a an the of on in for and or to at by with from into via about against within between per as its their this ' +
    'that these those is are be under through towards across among amongst counter countering combating combatting ' +
    'fight fighting region regions',
  fr:
    'le la les l un une des du de d et ou en au aux a à sur pour par dans avec sous entre chez vers ce cette ces son ' +
    'sa ses leur leurs qui que dont lors contre lutte lutter région régions y',
  es:
    'el la los las un una unos unas de del y e o u en a al para por con sin sobre entre hacia contra desde su sus ' +
    'que lo como ante bajo lucha combatir luchar región regiones',
  ar: 'في من على إلى عن مع حول بشأن بين ضد لدى عبر خلال ذلك هذا هذه التي الذي الذين أو ثم كل مكافحة منطقة المنطقة ما فيما',
};

function buildStopWords(lang: Language): Set<string> {
  const out = new Set<string>();
  for (const w of normalisedTokens(RAW_STOP_WORDS[lang], lang)) out.add(stem(w, lang));
  return out;
}

const STOP_WORDS: Readonly<Record<Language, Set<string>>> = {
  en: buildStopWords('en'),
  fr: buildStopWords('fr'),
  es: buildStopWords('es'),
  ar: buildStopWords('ar'),
};

/** The words of a text that carry meaning, stemmed: what concepts and trigrams are computed from. */
function contentTokens(text: string, lang: Language): string[] {
  const out: string[] = [];
  for (const t of normalisedTokens(text, lang)) {
    const arabic = ARABIC_LETTER.test(t[0]);
    const s = arabic ? stemArabic(t) : LATIN_STEMMERS[lang](t);
    if (s.length < 2) continue;
    const stops = arabic ? STOP_WORDS.ar : lang === 'ar' ? STOP_WORDS.en : STOP_WORDS[lang];
    if (!stops.has(s)) out.push(s);
  }
  return out;
}

// ── The glossary, compiled once ───────────────────────────────────────────────────────────────────────────────────

const LANGS: readonly Language[] = ['en', 'fr', 'es', 'ar'];

/** How much a shared concept counts, by the category its id starts with (see ct-glossary.ts). */
const CATEGORY_WEIGHTS: Readonly<Record<string, number>> = {
  id: 1,
  tr: 1,
  on: 1,
  wp: 1,
  fi: 1,
  ct: 1,
  pl: 1,
  ac: 0.75,
  kd: 0.5,
  gen: 0.25,
};

export function conceptWeight(conceptId: string): number {
  return CATEGORY_WEIGHTS[conceptId.slice(0, conceptId.indexOf('.'))] ?? 1;
}

interface CompiledTerm {
  tokens: string[];
  conceptId: string;
  /** The term as the glossary writes it (explanations). */
  term: string;
}

// The vocabulary first (with the article rule only, since it is empty), then the term index with the full rules.
for (const w of normalisedTokens(`${RAW_STOP_WORDS.ar} ${ARABIC_PROTECTED_WORDS.join(' ')}`, 'ar')) {
  ARABIC_VOCABULARY.add(stemArabic(w));
}
for (const concept of CT_GLOSSARY) {
  for (const term of concept.ar) for (const t of contentTokens(term, 'ar')) ARABIC_VOCABULARY.add(t);
}

function compileTerms(lang: Language): Map<string, CompiledTerm[]> {
  const index = new Map<string, CompiledTerm[]>();
  for (const concept of CT_GLOSSARY) {
    for (const term of concept[lang]) {
      const tokens = contentTokens(term, lang);
      if (tokens.length === 0) throw new Error(`glossary term "${term}" (${concept.id}, ${lang}) has no content words`);
      const list = index.get(tokens[0]) ?? [];
      list.push({ tokens, conceptId: concept.id, term });
      index.set(tokens[0], list);
    }
  }
  for (const list of index.values()) list.sort((x, y) => y.tokens.length - x.tokens.length);
  return index;
}

const TERM_INDEX: Readonly<Record<Language, Map<string, CompiledTerm[]>>> = {
  en: compileTerms('en'),
  fr: compileTerms('fr'),
  es: compileTerms('es'),
  ar: compileTerms('ar'),
};

/** The glossary's terms as matched (normalised, stop words out, stemmed), for tests and diagnostics. */
export function compiledGlossaryTerms(lang: Language): { key: string; conceptId: string }[] {
  const out: { key: string; conceptId: string }[] = [];
  for (const list of TERM_INDEX[lang].values()) {
    for (const t of list) out.push({ key: t.tokens.join(' '), conceptId: t.conceptId });
  }
  return out;
}

/** How a glossary term or a title reads once normalised, stop words out and stemmed (tests and diagnostics). */
export function matchKey(text: string, lang: Language): string {
  return contentTokens(text, lang).join(' ');
}

/** A glossary term found in a title: which concept, written how in the glossary, over which of its tokens. */
interface TermHit {
  conceptId: string;
  term: string;
  from: number;
  to: number;
}

/**
 * Glossary terms in a token sequence, longest first: at each position the longest term that starts there; a term
 * nested inside one already found is skipped ("foreign terrorist fighters" does not also count "terrorist"), one that
 * overlaps it and reaches further is kept ("نشر فريق دعم الأحداث الكبرى": a deployment, and a major-event support
 * team).
 */
function termsOfTokens(tokens: string[], lang: Language): TermHit[] {
  const index = TERM_INDEX[lang];
  const hits: TermHit[] = [];
  let coveredUntil = 0;
  for (let i = 0; i < tokens.length; i++) {
    const candidates = index.get(tokens[i]);
    if (!candidates) continue;
    for (const c of candidates) {
      const n = c.tokens.length;
      if (i + n > tokens.length) continue;
      let k = 1;
      while (k < n && tokens[i + k] === c.tokens[k]) k++;
      if (k < n) continue;
      if (i + n > coveredUntil) {
        hits.push({ conceptId: c.conceptId, term: c.term, from: i, to: i + n });
        coveredUntil = i + n;
      }
      break;
    }
  }
  return hits;
}

function conceptsOfTokens(tokens: string[], lang: Language, into: Set<string>): void {
  for (const h of termsOfTokens(tokens, lang)) into.add(h.conceptId);
}

/** The glossary concepts a text names (ids such as `tr.foreign_terrorist_fighters`), longest terms first. */
export function titleConcepts(text: string, lang: Language): Set<string> {
  const out = new Set<string>();
  conceptsOfTokens(contentTokens(text, lang), lang, out);
  return out;
}

// ── Similarity ───────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Character trigrams of the content words (with a space at each end), each packed into one number (three UTF-16
 * code units, 16 bits each), sorted and without repeats: Dice is then a merge of two sorted arrays.
 */
function trigramsOf(tokens: string[]): Float64Array {
  if (tokens.length === 0) return new Float64Array(0);
  const s = ` ${tokens.join(' ')} `;
  const grams = new Float64Array(s.length - 2);
  for (let i = 0; i + 3 <= s.length; i++) {
    grams[i] = s.charCodeAt(i) * 4294967296 + s.charCodeAt(i + 1) * 65536 + s.charCodeAt(i + 2);
  }
  grams.sort();
  let n = 0;
  for (let i = 0; i < grams.length; i++) if (i === 0 || grams[i] !== grams[i - 1]) grams[n++] = grams[i];
  return grams.slice(0, n);
}

function diceOfSorted(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return (2 * shared) / (a.length + b.length);
}

/**
 * A broader concept a title does not name itself (CT_BROADER: "red notice" → notices) counts at this fraction of its
 * weight: implied, not stated.
 */
export const IMPLIED_CONCEPT_FACTOR = 0.5;

function broaderClosure(conceptId: string): string[] {
  const out: string[] = [];
  const todo = [...(CT_BROADER[conceptId] ?? [])];
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (c === conceptId || out.includes(c)) continue;
    out.push(c);
    todo.push(...(CT_BROADER[c] ?? []));
  }
  return out;
}

const BROADER_CLOSURE = new Map<string, string[]>(CT_GLOSSARY.map((c) => [c.id, broaderClosure(c.id)]));

/** Concept id → weight: named concepts at their weight, implied broader ones at `IMPLIED_CONCEPT_FACTOR` of it. */
type ConceptWeights = Map<string, number>;

function addConcepts(into: ConceptWeights, named: Iterable<string>): void {
  for (const c of named) into.set(c, conceptWeight(c));
  for (const c of named) {
    for (const b of BROADER_CLOSURE.get(c) ?? []) {
      const implied = IMPLIED_CONCEPT_FACTOR * conceptWeight(b);
      if ((into.get(b) ?? 0) < implied) into.set(b, implied);
    }
  }
}

/**
 * A theme (glossary/themes.json: an area of work grouping concepts, e.g. forensic identification for fingerprints, DNA
 * and crime scenes) counts towards the subject signals, not the title's score: two titles of one theme are about the
 * same area of work, not alike (with themes in the title's score, cross-validation lost duplicates: 2026-12-03).
 */
const isTheme = (conceptId: string) => conceptId.includes('.theme.');

interface PreparedText {
  lang: Language;
  concepts: ConceptWeights;
  /** Concept id → the glossary terms that named it (or, for a broader concept implied, the narrower term). */
  terms: Map<string, string[]>;
  grams: Float64Array;
  /** Content words (stemmed) → weight: 1, or the weight of the glossary category that covers the word. */
  words: Map<string, number>;
  wordWeightSum: number;
  conceptWeightSum: number;
  /** The text's titles on its own (what `prepare` gives a record with this one title). */
  alone?: PreparedTitles;
}

/**
 * What one title text gives, by language and text. Records come and go (a consumer may load its candidates afresh for
 * every event) but their titles repeat, so the expensive part — normalising, stemming, glossary look-up — is cached
 * by text, up to `TEXT_CACHE_SIZE` texts (about 1 KB each; BoundedCache: those used lately stay). A cached text costs
 * ~1 µs to compare, a new one ~25 µs to prepare.
 */
const TEXT_CACHE_SIZE = 20_000;
const TEXT_CACHE = new BoundedCache<string, PreparedText>(TEXT_CACHE_SIZE);

function preparedText(lang: Language, text: string): PreparedText {
  const key = `${lang}\u0000${text}`;
  let p = TEXT_CACHE.get(key);
  if (p) return p;
  const tokens = contentTokens(text, lang);
  const hits = termsOfTokens(tokens, lang);
  const named = new Set(hits.map((h) => h.conceptId));
  const concepts: ConceptWeights = new Map();
  addConcepts(concepts, named);
  const terms = new Map<string, string[]>();
  const addTerm = (c: string, t: string) => {
    const list = terms.get(c) ?? [];
    if (!list.includes(t)) list.push(t);
    terms.set(c, list);
  };
  const words = new Map<string, number>();
  for (const t of tokens) words.set(t, 1);
  for (const h of hits) {
    addTerm(h.conceptId, h.term);
    for (const b of BROADER_CLOSURE.get(h.conceptId) ?? []) addTerm(b, h.term);
    const w = conceptWeight(h.conceptId);
    for (let k = h.from; k < h.to; k++) words.set(tokens[k], Math.min(words.get(tokens[k]) ?? 1, w));
  }
  let wordWeightSum = 0;
  for (const w of words.values()) wordWeightSum += w;
  let conceptWeightSum = 0;
  for (const [c, w] of concepts) if (!isTheme(c)) conceptWeightSum += w;
  p = { lang, concepts, terms, grams: trigramsOf(tokens), words, wordWeightSum, conceptWeightSum };
  TEXT_CACHE.set(key, p);
  return p;
}

interface PreparedTitles {
  concepts: ConceptWeights;
  conceptWeightSum: number;
  texts: PreparedText[];
  /** The cities (`pl.city.` concepts) the titles name, computed once. */
  cities: string[];
  /** The weights of the subject concepts (`SUBJECT_CATEGORIES`) named or implied, summed. */
  subjectWeightSum: number;
  /** The areas (`SUBJECT_CATEGORIES`) of those subjects, computed once. */
  subjectAreas: string[];
}

const CITY = 'pl.city.';

/**
 * The categories of concepts that say what an activity is about (identification, travel, online, weapons and
 * materials, financing, terrorism's forms and targets), as opposed to its kind (workshop), audience, place or generic
 * words (regional, national): two workshops the same week in the same city share a kind, not a subject.
 */
const SUBJECT_CATEGORIES: ReadonlySet<string> = new Set(['id', 'tr', 'on', 'wp', 'fi', 'ct']);

/** Concept id → its subject area, for the concepts of `SUBJECT_CATEGORIES` (absent: not a subject). */
const SUBJECT_AREA = new Map<string, string>();
for (const concept of CT_GLOSSARY) {
  const area = concept.id.slice(0, concept.id.indexOf('.'));
  if (SUBJECT_CATEGORIES.has(area)) SUBJECT_AREA.set(concept.id, area);
}

function withSubjects(p: Omit<PreparedTitles, 'subjectWeightSum' | 'subjectAreas'>): PreparedTitles {
  const subjectAreas: string[] = [];
  let subjectWeightSum = 0;
  for (const [c, w] of p.concepts) {
    const area = SUBJECT_AREA.get(c);
    if (area !== undefined) {
      subjectWeightSum += w;
      if (!subjectAreas.includes(area)) subjectAreas.push(area);
    }
  }
  // Written out (not spread): one object shape for every prepared title, as the comparison loop reads them.
  return {
    concepts: p.concepts,
    conceptWeightSum: p.conceptWeightSum,
    texts: p.texts,
    cities: p.cities,
    subjectWeightSum,
    subjectAreas,
  };
}

function citiesOf(concepts: ConceptWeights): string[] {
  const out: string[] = [];
  for (const c of concepts.keys()) if (c.startsWith(CITY)) out.push(c);
  return out;
}

/** Per titles array (a candidate's `titles`): the union of its texts' concepts. */
const PREPARED = new WeakMap<readonly LocalizedText[], PreparedTitles>();

/** Per set of title texts (a record with translations), by text: candidates are built afresh, their titles repeat. */
const TITLES_CACHE = new BoundedCache<string, PreparedTitles>(TEXT_CACHE_SIZE);

function prepare(titles: readonly LocalizedText[]): PreparedTitles {
  let p = PREPARED.get(titles);
  if (p) return p;
  const texts = titles.map((t) => preparedText(LANGS.includes(t.lang) ? t.lang : 'en', t.text));
  if (texts.length === 1) {
    const t = texts[0];
    p = t.alone ??= withSubjects({
      concepts: t.concepts,
      conceptWeightSum: t.conceptWeightSum,
      texts,
      cities: citiesOf(t.concepts),
    });
  } else {
    const key = titles.map((t) => `${t.lang}\u0000${t.text}`).join('\u0001');
    p = TITLES_CACHE.get(key);
    if (!p) {
      const concepts: ConceptWeights = new Map();
      for (const t of texts) {
        for (const [c, w] of t.concepts) if ((concepts.get(c) ?? 0) < w) concepts.set(c, w);
      }
      let conceptWeightSum = 0;
      for (const [c, w] of concepts) if (!isTheme(c)) conceptWeightSum += w;
      p = withSubjects({ concepts, conceptWeightSum, texts, cities: citiesOf(concepts) });
      TITLES_CACHE.set(key, p);
    }
  }
  PREPARED.set(titles, p);
  return p;
}

/** The weight two texts (same language) share in content words: Σ min-weight over the words both carry. */
function sharedWordWeight(a: PreparedText, b: PreparedText): number {
  let shared = 0;
  for (const [w, x] of a.words) {
    const y = b.words.get(w);
    if (y !== undefined) shared += x < y ? x : y;
  }
  return shared;
}

function termsOf(p: PreparedTitles, concept: string): string[] {
  const out: string[] = [];
  for (const t of p.texts) for (const term of t.terms.get(concept) ?? []) if (!out.includes(term)) out.push(term);
  return out;
}

export interface TitleSimilarity {
  score: number;
  /**
   * How much of the less detailed title the other covers, 0..1: the weighted containment of the concepts (shared /
   * the smaller sum), across languages, or the same-language words' containment if higher. One report is often more
   * detailed than the other (an audience, a place, a programme's name).
   */
  containment: number;
  /**
   * Both records' titles name a city (a `pl.city.` concept of the glossary) and not one city in common: the same week,
   * two activities in Baghdad and in Erbil are two activities.
   */
  placesDiffer: boolean;
  /**
   * How much of the less detailed title's subject (its `SUBJECT_CATEGORIES` concepts, implied broader ones at their
   * reduced weight) the other names too, 0..1; 0 when either names no subject the glossary knows.
   */
  subject: number;
  /** Both titles name a subject and share none, not even a broader one: two activities on different subjects. */
  subjectsDiffer: boolean;
  /** Both titles name a subject and none of the same area (`SUBJECT_CATEGORIES`: financing vs online). */
  subjectAreasDiffer: boolean;
  sharedConcepts: string[];
}

function sharesArea(a: PreparedTitles, b: PreparedTitles): boolean {
  for (const area of a.subjectAreas) if (b.subjectAreas.includes(area)) return true;
  return false;
}

/** Whether both name a city and no city is named by both. */
function placesDiffer(a: PreparedTitles, b: PreparedTitles): boolean {
  if (a.cities.length === 0 || b.cities.length === 0) return false;
  for (const c of a.cities) if (b.cities.includes(c)) return false;
  return true;
}

/**
 * Per shared concept, the glossary terms that named it in each record's titles (an explanation: computed for the
 * pairs a verdict is shown for, not for every comparison).
 */
export function sharedTitleTerms(
  a: readonly LocalizedText[],
  b: readonly LocalizedText[],
  sharedConcepts: readonly string[],
): { concept: string; a: string[]; b: string[] }[] {
  const pa = prepare(a);
  const pb = prepare(b);
  return sharedConcepts.map((concept) => ({ concept, a: termsOf(pa, concept), b: termsOf(pb, concept) }));
}

/**
 * How alike two records' titles are (each record: its title and its translations), 0..1: the best of
 * - the weighted Dice coefficient of the concepts their titles name, across languages (2 Σ shared min-weight /
 *   Σ all weights);
 * - for any two titles in the same language, the weighted Dice coefficient of their content words (stemmed, stop
 *   words out; a word inside a glossary term weighs what its category weighs, so "regional workshop" counts little)
 *   and the Dice coefficient of their character trigrams (words the glossary does not know, spelling variants).
 * `sharedConcepts` lists the concept ids both name or imply, sorted (`sharedTitleTerms`: the terms that named them).
 *
 * Cached per titles array (WeakMap: treat the arrays as immutable) and per title text.
 */
export function titleSimilarity(a: readonly LocalizedText[], b: readonly LocalizedText[]): TitleSimilarity {
  const out = titleSimilarityInto(a, b, newTitleSimilarity());
  if (out.sharedConcepts.length > 1) out.sharedConcepts.sort();
  return out;
}

/** An empty result for `titleSimilarityInto` to fill (and fill again). */
export function newTitleSimilarity(): TitleSimilarity {
  return {
    score: 0,
    containment: 0,
    placesDiffer: false,
    subject: 0,
    subjectsDiffer: false,
    subjectAreasDiffer: false,
    sharedConcepts: [],
  };
}

/**
 * `titleSimilarity` into `out` (its `sharedConcepts` emptied and refilled, not sorted): detection compares millions of
 * pairs, most of them not flagged, and a result object and array per pair was a good part of its garbage.
 */
export function titleSimilarityInto(
  a: readonly LocalizedText[],
  b: readonly LocalizedText[],
  out: TitleSimilarity,
): TitleSimilarity {
  const pa = prepare(a);
  const pb = prepare(b);
  const sharedConcepts = out.sharedConcepts;
  sharedConcepts.length = 0;
  let sharedWeight = 0;
  let sharedSubjectWeight = 0;
  const [small, large] = pa.concepts.size <= pb.concepts.size ? [pa.concepts, pb.concepts] : [pb.concepts, pa.concepts];
  for (const [c, w1] of small) {
    const w2 = large.get(c);
    if (w2 !== undefined) {
      sharedConcepts.push(c);
      const w = w1 < w2 ? w1 : w2;
      if (SUBJECT_AREA.has(c)) sharedSubjectWeight += w;
      if (isTheme(c)) continue; // a shared theme says the same area of work, not alike titles
      sharedWeight += w;
    }
  }
  const totalWeight = pa.conceptWeightSum + pb.conceptWeightSum;
  let score = totalWeight > 0 ? (2 * sharedWeight) / totalWeight : 0;
  const smaller = Math.min(pa.conceptWeightSum, pb.conceptWeightSum);
  let containment = smaller > 0 ? sharedWeight / smaller : 0;
  for (const ta of pa.texts) {
    for (const tb of pb.texts) {
      if (ta.lang !== tb.lang) continue;
      // Content words, weighted (reordering and function words do not count): Dice and containment of one sum.
      const shared = sharedWordWeight(ta, tb);
      const total = ta.wordWeightSum + tb.wordWeightSum;
      const smaller = Math.min(ta.wordWeightSum, tb.wordWeightSum);
      if (score < 1) score = Math.max(score, diceOfSorted(ta.grams, tb.grams), total > 0 ? (2 * shared) / total : 0);
      if (containment < 1) containment = Math.max(containment, smaller > 0 ? shared / smaller : 0);
    }
  }
  const bothSubjects = pa.subjectWeightSum > 0 && pb.subjectWeightSum > 0;
  out.score = Math.min(1, score);
  out.containment = Math.min(1, containment);
  out.placesDiffer = placesDiffer(pa, pb);
  out.subject = bothSubjects
    ? Math.min(1, sharedSubjectWeight / Math.min(pa.subjectWeightSum, pb.subjectWeightSum))
    : 0;
  out.subjectsDiffer = bothSubjects && sharedSubjectWeight === 0;
  out.subjectAreasDiffer = bothSubjects && !sharesArea(pa, pb);
  return out;
}
