import { dirOf, formatAge, formatDate, formatScore, labelOf, STREAMS } from './labels';

describe('labels and text direction', () => {
  it('sets Arabic (and other right-to-left languages) right to left', () => {
    expect(dirOf('ar')).toBe('rtl');
    expect(dirOf('ar-EG')).toBe('rtl');
    expect(dirOf('fr')).toBe('ltr');
    expect(dirOf(undefined)).toBe('ltr');
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
