import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { judgeInitiativeEvent, RegistryState } from './consumer-rules';
import { CloudEvent, INITIATIVE_WITHDRAWAL_SCHEMA, InitiativeEventType } from './events';
import {
  CONTENT_FIELDS,
  InitiativeSnapshot,
  InitiativeWithdrawal,
  isWithdrawalTombstone,
  withdrawnSnapshotOf,
} from './initiative';
import { initiativeEventJsonSchema } from './json-schema';
import { checkInitiativeEventData, checkInitiativeSnapshot, checkInitiativeWithdrawal } from './validation';

/*
 * Withdrawals sent as a tombstone (`ctp:initiative-withdrawal:v1`): only the identity, the new version, the time and
 * the reason. One definition (the class, its compiled schema, the rules), one verdict for every consumer.
 */

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ID = 'IP-HUB-EUR-op-1';
const SOURCE = '/ctp/hubs/eur';
const WITHDRAWN_SUBJECT = 'ctp.hub.eur.initiative.withdrawn.v1';

function tombstone(overrides: Record<string, unknown> = {}): InitiativeWithdrawal {
  return {
    initiativeId: ID,
    reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false },
    version: 3,
    lastUpdatedAt: '2026-06-01T10:00:00Z',
    withdrawal: { reason: 'reported twice by mistake' },
    ...overrides,
  } as InitiativeWithdrawal;
}

function full(overrides: Partial<InitiativeSnapshot> = {}): InitiativeSnapshot {
  return {
    initiativeId: ID,
    reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false },
    version: 2,
    lastUpdatedAt: '2026-05-01T10:00:00Z',
    kind: 'OPS',
    title: { lang: 'en', text: 'Operation One' },
    actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
    status: 'PIPELINE',
    dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
    scope: 'NATIONAL',
    recipientCountries: ['FR'],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

function withdrawnEvent(
  data: unknown,
  envelope: Partial<CloudEvent<unknown>> = {},
): CloudEvent<InitiativeSnapshot | InitiativeWithdrawal> {
  return {
    specversion: '1.0',
    id: 'evt-w',
    source: SOURCE,
    type: InitiativeEventType.Withdrawn,
    subject: (data as { initiativeId?: string }).initiativeId,
    time: '2026-06-01T10:00:00Z',
    datacontenttype: 'application/json',
    data,
    ...envelope,
  } as CloudEvent<InitiativeSnapshot | InitiativeWithdrawal>;
}

const state = (version: number, withdrawn = false): RegistryState => ({ version, withdrawn, status: 'PIPELINE' });

describe('isWithdrawalTombstone', () => {
  it('is an object without any content field', () => {
    expect(isWithdrawalTombstone(tombstone())).toBe(true);
    expect(isWithdrawalTombstone({})).toBe(true);
    expect(isWithdrawalTombstone(full())).toBe(false);
    for (const f of CONTENT_FIELDS)
      expect([f, isWithdrawalTombstone(tombstone({ [f]: undefined }))]).toEqual([f, false]);
    for (const v of [null, undefined, 'x', 3, [tombstone()]]) expect(isWithdrawalTombstone(v)).toBe(false);
  });
});

describe('checkInitiativeWithdrawal (ctp:initiative-withdrawal:v1)', () => {
  it('accepts the five fields, withdrawnAt optional', () => {
    expect(checkInitiativeWithdrawal(tombstone(), NOW)).toEqual({ ok: true, withdrawal: tombstone() });
    const at = tombstone({ withdrawal: { reason: 'duplicate', withdrawnAt: '2026-06-01T09:59:00+02:00' } });
    expect(checkInitiativeWithdrawal(at, NOW).ok).toBe(true);
  });

  it.each([
    ['initiativeId', 'initiativeId'],
    ['reportingOrg', 'reportingOrg'],
    ['version', 'version'],
    ['lastUpdatedAt', 'lastUpdatedAt'],
    ['withdrawal', 'withdrawal'],
  ])('refuses a tombstone without %s (SCHEMA, naming it)', (field, named) => {
    const t = tombstone() as unknown as Record<string, unknown>;
    delete t[field];
    const check = checkInitiativeWithdrawal(t, NOW);
    expect(check).toMatchObject({ ok: false, reason: 'SCHEMA' });
    expect(!check.ok && check.problems.map((p) => p.field)).toContain(named);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a reason missing', { withdrawal: {} }, 'withdrawal.reason', 'SCHEMA'],
    ['an empty reason', { withdrawal: { reason: '' } }, 'withdrawal.reason', 'SCHEMA'],
    ['a reason over 1000 characters', { withdrawal: { reason: 'x'.repeat(1001) } }, 'withdrawal.reason', 'SCHEMA'],
    ['a reason holding a NUL', { withdrawal: { reason: 'a\u0000b' } }, 'withdrawal.reason', 'SCHEMA'],
    [
      'withdrawnAt not a timestamp',
      { withdrawal: { reason: 'r', withdrawnAt: 'yesterday' } },
      'withdrawal.withdrawnAt',
      'SCHEMA',
    ],
    ['an unknown field', { note: 'x' }, 'note', 'SCHEMA'],
    ['an unknown field in withdrawal', { withdrawal: { reason: 'r', by: 'me' } }, 'withdrawal.by', 'SCHEMA'],
    ['version 0', { version: 0 }, 'version', 'SCHEMA'],
    ['lastUpdatedAt without a zone', { lastUpdatedAt: '2026-06-01T10:00:00' }, 'lastUpdatedAt', 'SCHEMA'],
    [
      'lastUpdatedAt ahead of the clock',
      { lastUpdatedAt: '2026-06-02T10:00:00Z' },
      'lastUpdatedAt',
      'ACTUAL_DATE_IN_FUTURE',
    ],
    ['an id outside the reporter’s prefix', { initiativeId: 'IP-HUB-AFR-op-1' }, 'initiativeId', 'SCHEMA'],
    ['a bad local id', { initiativeId: 'IP-HUB-EUR-op 1' }, 'initiativeId', 'SCHEMA'],
  ])('refuses %s', (_label, overrides, field, reason) => {
    const check = checkInitiativeWithdrawal(tombstone(overrides), NOW);
    expect(check).toMatchObject({ ok: false, reason });
    expect(!check.ok && check.problems.map((p) => p.field)).toContain(field);
  });

  it('refuses what is not an object', () => {
    for (const v of [null, 'x', [tombstone()]]) expect(checkInitiativeWithdrawal(v, NOW)).toMatchObject({ ok: false });
  });
});

describe('checkInitiativeEventData', () => {
  it('takes a tombstone only on withdrawn events', () => {
    expect(checkInitiativeEventData(InitiativeEventType.Withdrawn, tombstone(), NOW).ok).toBe(true);
    for (const type of [InitiativeEventType.Reported, InitiativeEventType.Updated]) {
      const check = checkInitiativeEventData(type, tombstone(), NOW);
      expect(check).toMatchObject({ ok: false, reason: 'SCHEMA' });
      expect(!check.ok && check.problems.map((p) => p.field)).toEqual(expect.arrayContaining(['kind', 'title']));
    }
  });

  it('judges a withdrawn event with any content field as a whole snapshot, as before', () => {
    const whole = full({ version: 3, withdrawal: { reason: 'r', withdrawnAt: '2026-06-01T10:00:00Z' } });
    expect(checkInitiativeEventData(InitiativeEventType.Withdrawn, whole, NOW)).toEqual(
      checkInitiativeSnapshot(whole, NOW),
    );
    const partial = { ...tombstone(), kind: 'OPS' };
    const check = checkInitiativeEventData(InitiativeEventType.Withdrawn, partial, NOW);
    expect(check).toMatchObject({ ok: false, reason: 'SCHEMA' });
    expect(!check.ok && check.problems.map((p) => p.field)).toContain('title');
  });
});

describe('judgeInitiativeEvent on a tombstone: every consumer rule still applies', () => {
  it('applies a newer tombstone over a live record, and one for a record never seen', () => {
    expect(judgeInitiativeEvent(withdrawnEvent(tombstone()), WITHDRAWN_SUBJECT, state(2), NOW)).toEqual({
      outcome: 'APPLY',
    });
    expect(judgeInitiativeEvent(withdrawnEvent(tombstone()), WITHDRAWN_SUBJECT, undefined, NOW)).toEqual({
      outcome: 'APPLY',
    });
  });

  it.each([
    ['equal', 3],
    ['older', 2],
  ])('ignores a stale tombstone (%s version)', (_label, version) => {
    expect(judgeInitiativeEvent(withdrawnEvent(tombstone({ version })), WITHDRAWN_SUBJECT, state(3), NOW)).toEqual({
      outcome: 'IGNORED',
      reason: 'STALE_VERSION',
    });
  });

  it('rejects a tombstone for a record already withdrawn', () => {
    expect(
      judgeInitiativeEvent(withdrawnEvent(tombstone({ version: 4 })), WITHDRAWN_SUBJECT, state(3, true), NOW),
    ).toMatchObject({ outcome: 'REJECTED', reason: 'WITHDRAWN' });
  });

  it.each<[string, CloudEvent<InitiativeSnapshot | InitiativeWithdrawal>, string]>([
    [
      'from another hub',
      withdrawnEvent(tombstone(), { source: '/ctp/hubs/afr' }),
      'ctp.hub.afr.initiative.withdrawn.v1',
    ],
    [
      'naming another reporting organisation',
      withdrawnEvent(tombstone({ reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false } })),
      WITHDRAWN_SUBJECT,
    ],
    ['on another source’s subject', withdrawnEvent(tombstone()), 'ctp.hub.afr.initiative.withdrawn.v1'],
    [
      'whose CloudEvents subject is another record',
      withdrawnEvent(tombstone(), { subject: 'IP-HUB-EUR-x' }),
      WITHDRAWN_SUBJECT,
    ],
  ])('rejects a tombstone %s (OWNERSHIP_VIOLATION)', (_label, ev, arrivedOn) => {
    expect(judgeInitiativeEvent(ev, arrivedOn, state(2), NOW)).toMatchObject({
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
    });
  });

  it('rejects an invalid tombstone (SCHEMA) naming the field, after the ownership and version rules', () => {
    const verdict = judgeInitiativeEvent(
      withdrawnEvent(tombstone({ withdrawal: {} })),
      WITHDRAWN_SUBJECT,
      state(2),
      NOW,
    );
    expect(verdict).toMatchObject({ outcome: 'REJECTED', reason: 'SCHEMA' });
    expect(verdict.outcome === 'REJECTED' && verdict.detail).toMatch(/withdrawal\.reason/);
    expect(
      judgeInitiativeEvent(withdrawnEvent(tombstone({ withdrawal: {}, version: 2 })), WITHDRAWN_SUBJECT, state(2), NOW),
    ).toEqual({ outcome: 'IGNORED', reason: 'STALE_VERSION' });
  });

  it('rejects a tombstone on an update event: only a withdrawal may leave the content out', () => {
    const ev = withdrawnEvent(tombstone(), { type: InitiativeEventType.Updated });
    expect(judgeInitiativeEvent(ev, 'ctp.hub.eur.initiative.updated.v1', state(2), NOW)).toMatchObject({
      outcome: 'REJECTED',
      reason: 'SCHEMA',
    });
  });
});

describe('withdrawnSnapshotOf: what a copy stores for an applied withdrawal', () => {
  it('keeps the content of the last whole snapshot, with the tombstone’s identity, version and withdrawal', () => {
    const held = full();
    const stored = withdrawnSnapshotOf(tombstone(), held);
    expect(stored).toEqual({
      ...held,
      version: 3,
      lastUpdatedAt: '2026-06-01T10:00:00Z',
      withdrawal: { reason: 'reported twice by mistake', withdrawnAt: '2026-06-01T10:00:00Z' },
    });
    expect(checkInitiativeSnapshot(stored, NOW).ok).toBe(true);
    expect(held.version).toBe(2);
  });

  it('takes withdrawnAt from the tombstone when it has one', () => {
    const t = tombstone({ withdrawal: { reason: 'r', withdrawnAt: '2026-06-01T09:00:00Z' } });
    expect(withdrawnSnapshotOf(t, full()).withdrawal).toEqual({ reason: 'r', withdrawnAt: '2026-06-01T09:00:00Z' });
  });

  it('stores a stub without content for a record never held', () => {
    expect(withdrawnSnapshotOf(tombstone(), undefined)).toEqual({
      ...tombstone(),
      withdrawal: { reason: 'reported twice by mistake', withdrawnAt: '2026-06-01T10:00:00Z' },
    });
  });

  it('stores a whole withdrawn snapshot as it came', () => {
    const whole = full({ version: 3, title: { lang: 'en', text: 'Renamed' } });
    expect(withdrawnSnapshotOf(whole, full())).toBe(whole);
  });
});

describe('the committed event schema says the same', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(initiativeEventJsonSchema());
  const envelope = (type: string, data: unknown) => ({
    specversion: '1.0',
    id: 'e',
    source: SOURCE,
    type,
    subject: ID,
    time: '2026-06-01T10:00:00Z',
    datacontenttype: 'application/json',
    dataschema: INITIATIVE_WITHDRAWAL_SCHEMA,
    data,
  });

  it('accepts a tombstone on withdrawn events only, and a whole snapshot on every type', () => {
    expect(validate(envelope(InitiativeEventType.Withdrawn, tombstone()))).toBe(true);
    expect(validate(envelope(InitiativeEventType.Updated, tombstone()))).toBe(false);
    expect(validate(envelope(InitiativeEventType.Withdrawn, full()))).toBe(true);
    expect(validate(envelope(InitiativeEventType.Updated, full()))).toBe(true);
  });

  it('refuses a tombstone with a field it does not define, or without its reason', () => {
    expect(validate(envelope(InitiativeEventType.Withdrawn, { ...tombstone(), note: 'x' }))).toBe(false);
    expect(validate(envelope(InitiativeEventType.Withdrawn, tombstone({ withdrawal: {} })))).toBe(false);
  });
});
