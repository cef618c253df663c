import { checkInitiativeSnapshot } from '@ctp/contracts';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  InitiativeWithdrawn,
  InvalidTransition,
  MalformedRequest,
  RuleViolation,
} from './partner-errors';
import {
  assertAgreesWithRecord,
  firstVersion,
  nextVersion,
  parsePartnerInitiative,
  parsePartnerReplacement,
  parseWithdrawalReason,
  withdrawnVersion,
} from './partner-initiative';

const NOW = new Date('2026-06-01T10:00:00.000Z');
const LATER = new Date('2026-06-02T10:00:00.000Z');
const owner = { ref: 'PT-UNODC' };
const body = (over: Record<string, unknown> = {}) => ({
  localId: 'GLO-1',
  kind: 'TRN',
  title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
  actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
  status: 'PIPELINE',
  dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
  scope: 'REGIONAL',
  recipientCountries: ['FR', 'BE'],
  visibility: 'PARTNER_SHAREABLE',
  ...over,
});

function fail(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('no error');
}

describe("a partner's initiative", () => {
  it('is version 1 under the partner prefix, reported by a secondary reporter, valid per the contract', () => {
    const { localId, content } = parsePartnerInitiative(body());
    const s = firstVersion(owner, localId, content, NOW);
    expect(s).toMatchObject({
      initiativeId: 'PT-UNODC-GLO-1',
      reportingOrg: { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true },
      version: 1,
      lastUpdatedAt: NOW.toISOString(),
    });
    expect(checkInitiativeSnapshot(s, NOW.getTime())).toMatchObject({ ok: true });
  });

  it.each([
    ['no localId', body({ localId: undefined }), 'localId', 'isDefined'],
    ['a localId with spaces', body({ localId: 'a b' }), 'localId', 'matches'],
    ['a localId of 41 characters', body({ localId: 'x'.repeat(41) }), 'localId', 'matches'],
    ['an unknown kind', body({ kind: 'WORKSHOP' }), 'kind', 'isIn'],
    ['an unknown language', body({ title: { lang: 'de', text: 'Schulung' } }), 'title.lang', 'isIn'],
    ['an id set by the partner', body({ initiativeId: 'PT-UNODC-x' }), 'initiativeId', 'whitelistValidation'],
    ['a version set by the partner', body({ version: 3 }), 'version', 'whitelistValidation'],
    ['a reportingOrg set by the partner', body({ reportingOrg: {} }), 'reportingOrg', 'whitelistValidation'],
  ])('refuses %s as malformed (400)', (_name, b, field, rule) => {
    const err = fail(() => parsePartnerInitiative(b));
    expect(err).toBeInstanceOf(MalformedRequest);
    expect((err as MalformedRequest).details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('refuses a NUL character, which PostgreSQL cannot store, naming the field', () => {
    const err = fail(() =>
      parsePartnerInitiative(body({ description: 'a\u0000b', titleAlt: [{ lang: 'fr', text: '\u0000' }] })),
    );
    expect((err as MalformedRequest).details.map((d) => `${d.field} ${d.rule}`)).toEqual([
      'description noNulCharacter',
      'titleAlt[0].text noNulCharacter',
    ]);
  });

  it('names every problem at once, the localId with the rest', () => {
    const err = fail(() => parsePartnerInitiative(body({ localId: 'a b', kind: 'X' }))) as MalformedRequest;
    expect(err.details.map((d) => d.field).sort()).toEqual(['kind', 'localId']);
  });

  it.each([
    [
      'planned dates out of order',
      { dates: { plannedStart: '2027-03-05', plannedEnd: '2027-03-01' } },
      'dates.plannedEnd',
      'plannedOrder',
    ],
    [
      'IMPLEMENTATION without an actual start',
      { status: 'IMPLEMENTATION' },
      'dates.actualStart',
      'actualStartRequired',
    ],
    ['a bad country', { recipientCountries: ['FR', 'XX'] }, 'recipientCountries[1]', 'isoCountry'],
    ['GLOBAL with countries', { scope: 'GLOBAL' }, 'recipientCountries', 'globalHasNoCountries'],
    [
      'an actual start after the report',
      {
        status: 'IMPLEMENTATION',
        dates: { plannedStart: '2026-01-01', plannedEnd: '2027-01-01', actualStart: '2026-06-10' },
      },
      'dates.actualStart',
      'notAfterReport',
    ],
  ])('refuses %s as a broken rule (422)', (_name, over, field, rule) => {
    const { localId, content } = parsePartnerInitiative(body(over));
    const err = fail(() => firstVersion(owner, localId, content, NOW));
    expect(err).toBeInstanceOf(RuleViolation);
    expect((err as RuleViolation).details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('makes no version when the content is the same, whatever the key order', () => {
    const v1 = firstVersion(owner, 'GLO-1', parsePartnerInitiative(body()).content, NOW);
    const reordered = Object.fromEntries(Object.entries(body()).reverse());
    expect(nextVersion(v1, parsePartnerInitiative(reordered).content, LATER)).toBeUndefined();
  });

  it('makes version 2, re-dated, when the content changed', () => {
    const v1 = firstVersion(owner, 'GLO-1', parsePartnerInitiative(body()).content, NOW);
    const v2 = nextVersion(v1, parsePartnerInitiative(body({ description: 'moved to Brussels' })).content, LATER);
    expect(v2).toMatchObject({ initiativeId: v1.initiativeId, version: 2, lastUpdatedAt: LATER.toISOString() });
  });

  it('refuses a status change the lifecycle does not allow', () => {
    const v1 = firstVersion(owner, 'GLO-1', parsePartnerInitiative(body()).content, NOW);
    const closed = body({
      status: 'CLOSED',
      dates: {
        plannedStart: '2026-01-01',
        plannedEnd: '2026-01-05',
        actualStart: '2026-01-01',
        actualEnd: '2026-01-05',
      },
    });
    const err = fail(() => nextVersion(v1, parsePartnerInitiative(closed).content, LATER));
    expect(err).toBeInstanceOf(InvalidTransition);
    expect((err as InvalidTransition).details[0]).toMatchObject({ field: 'status', rule: 'allowedTransition' });
  });

  it('withdraws as one more version carrying the reason', () => {
    const v1 = firstVersion(owner, 'GLO-1', parsePartnerInitiative(body()).content, NOW);
    const w = withdrawnVersion(v1, parseWithdrawalReason('  reported twice '), LATER);
    expect(w).toMatchObject({ version: 2, withdrawal: { reason: 'reported twice', withdrawnAt: LATER.toISOString() } });
    expect(checkInitiativeSnapshot(w, LATER.getTime())).toMatchObject({ ok: true });
  });

  it.each([undefined, '', '   ', 42, 'x'.repeat(1001)])('needs a reason to withdraw (%p)', (reason) => {
    expect(fail(() => parseWithdrawalReason(reason))).toBeInstanceOf(MalformedRequest);
  });

  it('names a withdrawn record in its error', () => {
    expect(new InitiativeWithdrawn('PT-UNODC-GLO-1').details[0]).toMatchObject({
      field: 'initiativeId',
      rule: 'notWithdrawn',
    });
  });
});

describe('parsePartnerReplacement and assertAgreesWithRecord (PUT: what you GET you can PUT back)', () => {
  const v1 = () => firstVersion(owner, 'GLO-1', parsePartnerInitiative(body()).content, NOW);

  it('takes the representation GET returned, with or without localId, as the same content', () => {
    const stored = v1();
    for (const sent of [stored, { ...stored, localId: 'GLO-1' }]) {
      const { content, managed } = parsePartnerReplacement(sent);
      expect(() => assertAgreesWithRecord(managed, stored, 1)).not.toThrow();
      expect(nextVersion(stored, content, LATER)).toBeUndefined();
    }
  });

  it('refuses an unknown field and a malformed server-managed field (400, each named)', () => {
    const err = fail(() => parsePartnerReplacement({ ...v1(), lastUpdatedAt: 'soon', budget: 1 }));
    expect(err).toBeInstanceOf(MalformedRequest);
    expect((err as MalformedRequest).details.map((d) => `${d.field} ${d.rule}`)).toEqual([
      'lastUpdatedAt isDateTime',
      'budget whitelistValidation',
    ]);
  });

  it("refuses another partner's reportingOrg or localId (409) and a body version other than If-Match (412)", () => {
    const stored = v1();
    const hubs = parsePartnerReplacement({
      ...stored,
      reportingOrg: { ref: 'PT-UNODC', type: 'HUB', secondaryReporter: false },
    });
    const conflict = fail(() => assertAgreesWithRecord(hubs.managed, stored, 1));
    expect(conflict).toBeInstanceOf(ContradictsRecord);
    expect((conflict as ContradictsRecord).details.map((d) => `${d.field} ${d.rule}`)).toEqual([
      'reportingOrg.type sameAsRecord',
      'reportingOrg.secondaryReporter sameAsRecord',
    ]);
    const renamed = parsePartnerReplacement({ ...stored, localId: 'GLO-2' });
    expect(fail(() => assertAgreesWithRecord(renamed.managed, stored, 1))).toBeInstanceOf(ContradictsRecord);
    const stale = fail(() => assertAgreesWithRecord(parsePartnerReplacement(stored).managed, stored, 2));
    expect(stale).toBeInstanceOf(ContradictsIfMatch);
  });
});
