import { dirOf, formatAge, formatDate, formatScore, labelOf, langOfTerm, STREAMS } from './labels';

describe('labels and text direction', () => {
  it('sets Arabic (and other right-to-left languages) right to left', () => {
    expect(dirOf('ar')).toBe('rtl');
    expect(dirOf('ar-EG')).toBe('rtl');
    expect(dirOf('fr')).toBe('ltr');
    expect(dirOf(undefined)).toBe('ltr');
  });

  it("gives each glossary term the language of the title it came from, never the first title's by default", () => {
    const titles = [
      { lang: 'ar', text: 'برنامج لمنع التطرف العنيف في السجون' },
      { lang: 'en', text: 'Programme to prevent violent extremism in prisons' },
      { lang: 'fr', text: "Programme de prévention de l'extrémisme violent dans les prisons" },
    ];
    expect(langOfTerm('violent extremism', titles)).toBe('en');
    expect(langOfTerm('Extrémisme violent', titles)).toBe('fr');
    expect(langOfTerm('التطرف العنيف', titles)).toBe('ar');
    // Not in a title as written: by its letters.
    expect(langOfTerm('التدريب', titles)).toBe('ar');
    expect(langOfTerm('radicalisation', titles)).toBe('en');
    expect(langOfTerm('التدريب', [{ lang: 'en', text: 'Training' }])).toBe('ar');
    expect(langOfTerm('training', [{ lang: 'ar', text: 'تدريب' }])).toBeUndefined();
  });

  it('formats dates, ages and scores', () => {
    expect(formatDate('2027-03-01')).toBe('2027-03-01');
    expect(formatDate('2027-03-01T10:20:30.000Z', true)).toBe('2027-03-01 10:20 UTC');
    expect(formatDate(null)).toBe('—');
    expect(formatDate('soon')).toBe('soon');
    expect([5, 600, 3900, 7200, 90000, 86400].map(formatAge)).toEqual([
      '5 s',
      '10 min',
      '1 h 5 min',
      '2 h',
      '1 d 1 h',
      '1 d',
    ]);
    expect(formatAge(undefined)).toBe('—');
    expect(formatScore(0.8567)).toBe('0.86');
    expect(formatScore(null)).toBe('—');
    expect(labelOf(STREAMS, 'FINANCING')).toBe('Financing');
    expect(labelOf(STREAMS, 'NEW')).toBe('NEW');
  });
});
