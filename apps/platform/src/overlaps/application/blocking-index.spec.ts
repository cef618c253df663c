import { BlockEntry } from '../domain/blocking';
import { BlockingIndex } from './blocking-index';

const entry = (id: string, over: Partial<BlockEntry> = {}): BlockEntry => ({
  blockKey: 'KE:M2027-03',
  reporter: id.split('-').slice(0, -1).join('-'),
  initiativeId: id,
  primaryStream: 'IDENTIFICATION',
  secondaryStreams: [],
  start: '2027-03-10',
  end: '2027-03-12',
  ...over,
});

describe('BlockingIndex', () => {
  it('finds records of other reporters under a shared key, with compatible streams and dates within 30 days', () => {
    const index = new BlockingIndex();
    index.load(
      [
        entry('IP-HUB-AFR-1'),
        entry('PT-UNODC-1'),
        entry('PT-UNODC-2', { primaryStream: 'FINANCING' }),
        entry('PT-UNODC-3', { primaryStream: 'FINANCING', secondaryStreams: ['IDENTIFICATION'] }),
        entry('PT-UNODC-4', { start: '2027-04-12', end: '2027-04-20' }),
        entry('PT-UNODC-5', { start: '2027-04-11', end: '2027-04-20' }),
        entry('PT-UNODC-6', { blockKey: 'UG:M2027-03' }),
      ],
      7,
    );
    expect(index.generation).toBe(7);
    const found = index.candidatesOf([entry('IP-HUB-EUR-9')]);
    expect([...found].sort()).toEqual(['IP-HUB-AFR-1', 'PT-UNODC-1', 'PT-UNODC-3', 'PT-UNODC-5']);
    // Its own reporter's records and itself are never candidates.
    expect([...index.candidatesOf([entry('IP-HUB-AFR-1')])]).not.toContain('IP-HUB-AFR-1');
    expect([...index.candidatesOf([entry('PT-UNODC-9')])]).toEqual(['IP-HUB-AFR-1']);
  });

  it('replaces a record’s entries and reports only the rows that changed', () => {
    const index = new BlockingIndex();
    index.load([entry('PT-UNODC-1'), entry('PT-UNODC-1', { blockKey: 'KE:M2027-02' })], 1);
    const same = index.replace('PT-UNODC-1', [entry('PT-UNODC-1'), entry('PT-UNODC-1', { blockKey: 'KE:M2027-02' })]);
    expect(same).toEqual({ removed: [], added: [] });
    const moved = index.replace('PT-UNODC-1', [entry('PT-UNODC-1', { blockKey: 'UG:M2027-03' })]);
    expect(moved.removed.map((e) => e.blockKey).sort()).toEqual(['KE:M2027-02', 'KE:M2027-03']);
    expect(moved.added.map((e) => e.blockKey)).toEqual(['UG:M2027-03']);
    expect([...index.candidatesOf([entry('IP-HUB-AFR-1')])]).toEqual([]);
    expect([...index.candidatesOf([entry('IP-HUB-AFR-1', { blockKey: 'UG:M2027-03' })])]).toEqual(['PT-UNODC-1']);
    index.replace('PT-UNODC-1', []);
    expect(index.records).toBe(0);
    expect([...index.candidatesOf([entry('IP-HUB-AFR-1', { blockKey: 'UG:M2027-03' })])]).toEqual([]);
  });
});
