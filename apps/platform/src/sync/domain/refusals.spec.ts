import { CLOCK_REFUSAL_COUNTS_MS, RejectedEvent, refusedVersionsOf } from './refusals';

function rejected(reason: string, data: unknown, detail?: string, type = 'ctp.initiative.updated.v1'): RejectedEvent {
  return { event: { envelope: { id: 'evt-1', source: '/ctp/hubs/eur', type, data } }, reason, detail };
}

describe('refusedVersionsOf', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('keeps the versions refused for their content, with their source, reason and event', () => {
    expect(
      refusedVersionsOf([rejected('INVALID_DATES', { initiativeId: 'IP-1', version: 3 }, 'end before start')], now),
    ).toEqual([
      {
        source: '/ctp/hubs/eur',
        initiativeId: 'IP-1',
        version: 3,
        withdrawn: false,
        reason: 'INVALID_DATES',
        detail: 'end before start',
        eventId: 'evt-1',
        countsUntil: null,
      },
    ]);
  });

  it('leaves out refusals that say nothing of the content, and versions that cannot be stored', () => {
    expect(
      refusedVersionsOf(
        [
          rejected('OWNERSHIP_VIOLATION', { initiativeId: 'IP-1', version: 1 }),
          rejected('SCHEMA', { initiativeId: 'IP-1', version: 0 }),
          rejected('SCHEMA', { initiativeId: 'IP-1', version: 2_147_483_648 }),
          rejected('SCHEMA', { version: 1 }),
          rejected('SCHEMA', undefined),
        ],
        now,
      ),
    ).toEqual([]);
  });

  it('counts a refusal the clock may lift for an hour only, and cuts a long detail', () => {
    const [r] = refusedVersionsOf(
      [rejected('ACTUAL_DATE_IN_FUTURE', { initiativeId: 'IP-1', version: 1 }, `lastUpdatedAt ${'x'.repeat(2000)}`)],
      now,
    );
    expect(r.countsUntil).toBe(new Date(now + CLOCK_REFUSAL_COUNTS_MS).toISOString());
    expect(r.detail).toHaveLength(1000);
  });

  it('marks a refused withdrawal as withdrawn', () => {
    const [r] = refusedVersionsOf(
      [rejected('WITHDRAWN', { initiativeId: 'IP-1', version: 4 }, undefined, 'ctp.initiative.withdrawn.v1')],
      now,
    );
    expect(r.withdrawn).toBe(true);
  });
});
