import { InitiativeSnapshot } from './initiative';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  InvalidTransition,
  MalformedRequest,
  OwnerError,
  RulesBroken,
} from './owner-errors';
import { assertAgreesWithRecord, firstVersion, nextVersion, parseReplacement } from './owner-records';
import { contentOf } from './owner-versions';

const HUB = { ref: 'IP-HUB-EUR', type: 'HUB' as const, secondaryReporter: false };
const stored: InitiativeSnapshot = {
  initiativeId: 'IP-HUB-EUR-op-1',
  reportingOrg: HUB,
  version: 2,
  lastUpdatedAt: '2026-03-10T12:00:00.000Z',
  kind: 'OPS',
  title: { lang: 'en', text: 'Operation Sentinel' },
  actionStreams: { primary: 'WEAPONS_MATERIALS', secondary: [] },
  status: 'PIPELINE',
  dates: { plannedStart: '2027-04-01', plannedEnd: '2027-04-30' },
  scope: 'NATIONAL',
  recipientCountries: ['RS'],
  visibility: 'PARTNER_SHAREABLE',
};
const content = contentOf({ ...stored });
const AT = new Date('2026-03-11T08:00:00.000Z');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe("an owner's steps with their errors (shared by the hubs and partner-liaison)", () => {
  it('refuses a body that is not an object with a 400 naming the body', () => {
    const err = thrown(() => parseReplacement([content]));
    expect(err).toBeInstanceOf(MalformedRequest);
    expect(err).toBeInstanceOf(OwnerError);
    expect((err as MalformedRequest).message).toMatch(/^invalid request: /);
  });

  it('takes back what a GET showed, and names a contradicting owner (409) or version (412)', () => {
    const { managed } = parseReplacement({ ...stored });
    expect(() => assertAgreesWithRecord(managed, stored, 2)).not.toThrow();
    expect(thrown(() => assertAgreesWithRecord(managed, stored, 1))).toBeInstanceOf(ContradictsIfMatch);
    const other = parseReplacement({ ...stored, reportingOrg: { ...HUB, ref: 'IP-HUB-AFR' } }).managed;
    const conflict = thrown(() => assertAgreesWithRecord(other, stored, 2)) as ContradictsRecord;
    expect(conflict).toBeInstanceOf(ContradictsRecord);
    expect(conflict.details.map((d) => d.field)).toContain('reportingOrg.ref');
  });

  it('makes no version for the same content, the next one for a change, and 422s a rule or a transition', () => {
    expect(nextVersion(stored, content, AT)).toBeUndefined();
    expect(nextVersion(stored, { ...content, title: { lang: 'en', text: 'Operation Sentinel II' } }, AT)?.version).toBe(
      3,
    );
    expect(thrown(() => nextVersion(stored, { ...content, status: 'CLOSED' }, AT))).toBeInstanceOf(InvalidTransition);
    const broken = thrown(() =>
      firstVersion(HUB, 'op-2', { ...content, dates: { plannedStart: '2027-05-01', plannedEnd: '2027-04-01' } }, AT),
    ) as RulesBroken;
    expect(broken).toBeInstanceOf(RulesBroken);
    expect(broken.message).toMatch(/^the initiative breaks a rule: /);
    expect(broken.details[0].field).toBe('dates.plannedEnd');
  });

  it('names what breaks a rule when it is not an initiative', () => {
    const err = new RulesBroken(
      [{ field: 'acronym', rule: 'matchesRef', message: 'ref PT-X is not PT-Y' }],
      'the partner',
    );
    expect(err.message).toBe('the partner breaks a rule: ref PT-X is not PT-Y');
    expect(new RulesBroken([err.details[0], err.details[0]]).message).toMatch(/^the initiative breaks 2 rules: /);
  });
});
