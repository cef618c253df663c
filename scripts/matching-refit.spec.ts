import type { PairVerdict } from '../apps/platform/src/overlaps/domain/pair-matcher';
import {
  changeOf,
  formatChanges,
  labelOfDecision,
  MAX_CHANGE_LINES,
  PairChange,
  parseCommandLine,
  withMissesCut,
} from './matching-refit';

describe('matching:refit command line', () => {
  it('is a dry run by default', () => {
    expect(parseCommandLine([])).toEqual({ options: {} });
    expect(parseCommandLine(['--dry-run'])).toEqual({ options: {} });
  });

  it('applies with who (required) and why (optional)', () => {
    expect(parseCommandLine(['--apply', '--by', 'jane.doe'])).toEqual({ options: { apply: { by: 'jane.doe' } } });
    expect(parseCommandLine(['--apply', '--by', 'jane.doe', '--note', ' March review '])).toEqual({
      options: { apply: { by: 'jane.doe', note: 'March review' } },
    });
    expect(() => parseCommandLine(['--apply'])).toThrow('--apply needs --by <name>');
    expect(() => parseCommandLine(['--apply', '--by', '  '])).toThrow('--apply needs --by <name>');
  });

  it.each([
    [['--apply', '--dry-run', '--by', 'x'], 'exclude each other'],
    [['--by', 'x'], 'go with --apply'],
    [['--note', 'x'], 'go with --apply'],
    [['--force'], "Unknown option '--force'"],
    [['extra'], 'Unexpected argument'],
  ])('refuses %j', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(message);
  });

  it('answers --help', () => {
    expect(parseCommandLine(['--help'])).toEqual({ help: true });
  });
});

describe('matching:refit labels and changes', () => {
  it('labels a CONFIRMED pair a DUPLICATE (the same activity), a REJECTED one none', () => {
    expect(labelOfDecision('CONFIRMED')).toBe('DUPLICATE');
    expect(labelOfDecision('REJECTED')).toBeNull();
    expect(labelOfDecision('MAYBE')).toBeUndefined();
  });

  const verdict = (classification: PairVerdict['classification'], score: number): PairVerdict => ({
    classification,
    score,
    rule: 'SCORED',
  });

  it('tells newly flagged, newly cleared and a change of class apart', () => {
    expect(changeOf(verdict(null, 0.5), verdict('OVERLAP', 0.62))).toBe('newly flagged');
    expect(changeOf(verdict('DUPLICATE', 0.85), verdict(null, 0.4))).toBe('newly cleared');
    expect(changeOf(verdict('OVERLAP', 0.7), verdict('DUPLICATE', 0.81))).toBe('changes class');
    expect(changeOf(verdict('OVERLAP', 0.7), verdict('OVERLAP', 0.75))).toBeUndefined();
  });

  it(`lists at most ${MAX_CHANGE_LINES} changes, then a count, and says what is not re-scanned`, () => {
    const changes: PairChange[] = Array.from({ length: 60 }, (_, i) => ({
      pairId: String(i + 1),
      aId: `IP-HUB-EUR-${i}`,
      bId: `PT-UNODC-${i}`,
      kind: 'newly flagged',
      before: { classification: null, score: 0.5, rule: 'SCORED' },
      after: { classification: 'OVERLAP', score: 0.61, rule: 'SCORED' },
      decision: i === 0 ? 'REJECTED' : null,
    }));
    const text = formatChanges(100, changes).split('\n');
    expect(text[0]).toBe(
      '100 stored pairs with both records live, scored by both models: 60 newly flagged, 0 newly cleared, ' +
        '0 changing class, 40 unchanged.',
    );
    expect(text[1]).toBe(
      '  pair 1 IP-HUB-EUR-0 ↔ PT-UNODC-0: none 0.500 → OVERLAP 0.610 (newly flagged) — decided REJECTED, which ' +
        'stays in force',
    );
    expect(text.filter((l) => l.startsWith('  pair '))).toHaveLength(MAX_CHANGE_LINES);
    expect(text).toContain('  … and 10 more');
    expect(text.at(-1)).toMatch(/not re-scanned/);
  });
});

describe('matching:refit quality text', () => {
  it('cuts a long list of misclassified pairs to its first lines and a count', () => {
    const text = [
      'held-out: 30 pairs',
      'DUPLICATE …',
      'Misclassified:',
      ...Array.from({ length: 12 }, (_, i) => `  p${i}`),
    ];
    expect(withMissesCut(text.join('\n'), 10).split('\n')).toEqual([
      'held-out: 30 pairs',
      'DUPLICATE …',
      'Misclassified: 12, the first 10:',
      ...Array.from({ length: 10 }, (_, i) => `  p${i}`),
      '  … and 2 more',
    ]);
    const short = ['x', 'Misclassified:', '  p0'].join('\n');
    expect(withMissesCut(short, 10)).toBe(short);
    expect(withMissesCut('x\nMisclassified: none', 10)).toBe('x\nMisclassified: none');
  });
});
