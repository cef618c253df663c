import {
  CLOCK_REFUSAL_COUNTS_MS,
  DEAD_LETTER_COUNTS_MS,
  DeadLetteredEvent,
  RejectedEvent,
  refusedVersionOfDeadLetter,
  refusedVersionsOf,
} from './refusals';

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

describe('refusedVersionOfDeadLetter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const SUBJECT = 'ctp.hub.eur.initiative.updated.v1';
  const letter = (o: Partial<DeadLetteredEvent> = {}): DeadLetteredEvent => ({
    source: '/ctp/hubs/eur',
    eventId: 'evt-9',
    natsMsgId: 'evt-9',
    subject: SUBJECT,
    reason: 'INVALID_ENVELOPE',
    detail: 'specversion must be "1.0", got "0.3"',
    dlqSeq: 4,
    ...o,
  });
  const payload = (o: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
    specversion: '0.3',
    id: 'evt-9',
    source: '/ctp/hubs/eur',
    type: 'ctp.initiative.updated.v1',
    data: { initiativeId: 'IP-HUB-EUR-x', version: 3, ...data },
    ...o,
  });

  it('counts, for an hour, the version a permanent dead letter carried', () => {
    expect(refusedVersionOfDeadLetter(letter(), payload(), now)).toEqual({
      source: '/ctp/hubs/eur',
      initiativeId: 'IP-HUB-EUR-x',
      version: 3,
      withdrawn: false,
      reason: 'INVALID_ENVELOPE',
      detail: 'dead-lettered (dead letter 4): specversion must be "1.0", got "0.3"',
      eventId: 'evt-9',
      countsUntil: new Date(now + DEAD_LETTER_COUNTS_MS).toISOString(),
    });
    expect(
      refusedVersionOfDeadLetter(
        letter({ reason: 'SQLSTATE_22001', subject: 'ctp.hub.eur.initiative.withdrawn.v1' }),
        payload({ type: 'ctp.initiative.withdrawn.v1' }),
        now,
      ),
    ).toMatchObject({ reason: 'SQLSTATE_22001', withdrawn: true });
  });

  it('does not count what a retry may fix, nor a message that does not say clearly whose version it is', () => {
    const none = [
      [letter({ reason: 'MAX_DELIVER_EXCEEDED' }), payload()],
      [letter({ reason: 'HANDLER_ERROR' }), payload()],
      [letter({ reason: 'UNDECODABLE', source: null }), undefined],
      [letter({ source: null }), payload({ source: undefined })],
      [letter(), payload({ source: '/ctp/hubs/afr' })],
      [letter({ subject: 'ctp.hub.afr.initiative.updated.v1' }), payload()],
      [letter(), payload({ type: 'ctp.sync.digest.v1' })],
      [letter(), payload({}, { initiativeId: 'IP-HUB-AFR-x' })],
      [letter(), payload({}, { version: 0 })],
      [letter(), payload({}, { version: 2_147_483_648 })],
      [letter(), payload({ data: 'x' })],
      [letter({ eventId: null, natsMsgId: null }), payload()],
    ] as const;
    for (const [l, p] of none) expect(refusedVersionOfDeadLetter(l, p, now)).toBeUndefined();
  });
});
