import { normaliseForSearch, searchTermsOf, searchTextOf } from './search-text';

describe('registry text search normalisation', () => {
  it.each([
    ['Formation à la détection des faux documents', 'formation a la detection des faux documents'],
    ['FORMACIÓN en investigación financiera', 'formacion en investigacion financiera'],
    ["L'Œuvre d'art — cœur", 'l oeuvre d art coeur'],
    ['İstanbul Straße', 'istanbul strasse'],
    ['  many   spaces\tand\npunctuation!!! ', 'many spaces and punctuation'],
    ['I-24/7', 'i 24 7'],
    ['أمن الحدود', 'امن الحدود'],
    ['إدارة آمنة', 'اداره امنه'],
    ['مُكافَحَة الإرهاب', 'مكافحه الارهاب'],
    ['مؤتمر ـــ دولي', 'موتمر دولي'],
    ['المستوى ٢٠٢٦', 'المستوي 2026'],
  ])('%s → %s', (text, normalised) => {
    expect(normaliseForSearch(text)).toBe(normalised);
  });

  it("matches what an analyst types without accents, whatever the record's case and accents", () => {
    const stored = searchTextOf({
      title: { lang: 'en', text: 'Border security workshop' },
      titleAlt: [
        { lang: 'fr', text: 'Atelier sur la sécurité aux frontières' },
        { lang: 'ar', text: 'ورشة عمل حول أمن الحدود' },
      ],
      codeName: 'NEPTUNE-VII',
    });
    for (const q of ['securite frontieres', 'SÉCURITÉ', 'amn', 'امن', 'neptune vii', 'atel'])
      expect(searchTermsOf(q).every((t) => stored.includes(t))).toBe(q !== 'amn');
  });

  it('splits a query into its words, each once, at most ten', () => {
    expect(searchTermsOf('Sécurité, sécurité; frontières')).toEqual(['securite', 'frontieres']);
    expect(searchTermsOf('!!! ---')).toEqual([]);
    expect(searchTermsOf('a b c d e f g h i j k l')).toHaveLength(10);
  });

  it('holds no LIKE wildcard or escape character (they are spaces after normalising)', () => {
    expect(normaliseForSearch('100%_done\\')).toBe('100 done');
  });
});
