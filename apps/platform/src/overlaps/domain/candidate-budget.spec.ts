import type { BlockRecord } from './blocking';
import { blockingScore, chooseCandidates, dayOf, RankedRow } from './candidate-budget';

const row = (id: string, over: Partial<BlockRecord> = {}): BlockRecord => ({
  initiativeId: id,
  reporterRef: 'PT-UNODC',
  primaryStream: 'IDENTIFICATION',
  secondaryStreams: [],
  countries: ['KE'],
  start: '2027-03-10',
  end: '2027-03-12',
  ...over,
});

describe('chooseCandidates (work per changed record bounded by a cap)', () => {
  const changed = row('IP-HUB-AFR-1', { reporterRef: 'IP-HUB-AFR', countries: ['KE', 'UG'] });
  const rows = new Map<string, BlockRecord>();
  const add = (r: BlockRecord) => (rows.set(r.initiativeId, r), r.initiativeId);
  // Same dates and countries, then further and further away in time, then another stream.
  const close = add(row('PT-UNODC-close', { countries: ['KE', 'UG'] }));
  const others = Array.from({ length: 20 }, (_, i) =>
    add(row(`PT-UNODC-${String(i).padStart(2, '0')}`, { start: '2027-03-10', end: `2027-04-${10 + i}` })),
  );
  const stream = add(row('PT-UNODC-stream', { primaryStream: 'FINANCING', secondaryStreams: ['IDENTIFICATION'] }));
  const blocked = [stream, ...others.slice().reverse(), close];
  const ranked = (r: BlockRecord): RankedRow => ({ row: r, startDay: dayOf(r.start), endDay: dayOf(r.end) });
  const rowOf = (id: string) => (rows.has(id) ? ranked(rows.get(id)!) : undefined);

  it('compares every candidate, explicit links included once, when they are at most the cap', () => {
    const choice = chooseCandidates(changed, ['PT-OSCE-9', close], blocked, rowOf, new Set(), 23);
    expect(choice.capped).toBe(false);
    expect(choice.total).toBe(23);
    expect(choice.skipped).toEqual([]);
    expect(new Set(choice.compared)).toEqual(new Set(['PT-OSCE-9', ...blocked]));
  });

  it('beyond the cap compares exactly `cap`: explicit links, flagged pairs, then the most alike by countries, dates and stream', () => {
    const choice = chooseCandidates(changed, ['PT-OSCE-9'], blocked, rowOf, new Set(['PT-UNODC-19']), 5);
    expect(choice).toMatchObject({ capped: true, total: 23 });
    // Same dates and countries first; then the same dates and a secondary stream; then the nearest in time.
    expect(choice.compared).toEqual(['PT-OSCE-9', 'PT-UNODC-19', close, stream, 'PT-UNODC-00']);
    expect(choice.skipped).toHaveLength(18);
    expect(new Set([...choice.compared, ...choice.skipped]).size).toBe(23);
    // The same choice whatever order blocking found them in.
    const again = chooseCandidates(
      changed,
      ['PT-OSCE-9'],
      blocked.slice().reverse(),
      rowOf,
      new Set(['PT-UNODC-19']),
      5,
    );
    expect(again.compared).toEqual(choice.compared);
  });

  it('never compares more than the cap, even with more explicit links or flagged pairs than that', () => {
    const choice = chooseCandidates(changed, others.slice(0, 8), blocked, rowOf, new Set(others), 3);
    expect(choice.compared).toEqual(others.slice(0, 3));
    expect(choice.total).toBe(22);
    expect(chooseCandidates(changed, [], blocked, rowOf, new Set(others), 1).compared).toHaveLength(1);
  });

  it('ranks by the blocking columns of the matcher’s score', () => {
    const kenya = new Set(['KE', 'UG']);
    expect(blockingScore(ranked(changed), rowOf(close)!, kenya)).toBeCloseTo(0.5);
    expect(blockingScore(ranked(changed), rowOf(stream)!, kenya)).toBeCloseTo(0.2 + 0.2 + 0.05);
    expect(blockingScore(ranked(changed), rowOf(others[0])!, kenya)).toBeGreaterThan(
      blockingScore(ranked(changed), rowOf(others[19])!, kenya),
    );
  });
});
