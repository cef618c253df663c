import {
  ifMatchVersion,
  reconcileServerManagedFields,
  ReplacedRecord,
  SERVER_MANAGED_FIELDS,
  splitRepresentation,
} from './server-managed-fields';

const RECORD: ReplacedRecord = {
  initiativeId: 'IP-HUB-AFR-base',
  localId: 'base',
  reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
  expectedVersion: 3,
};

/** What GET returns for RECORD at version 3 (content abridged). */
const representation = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  initiativeId: 'IP-HUB-AFR-base',
  reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
  version: 3,
  lastUpdatedAt: '2027-01-10T09:30:00.000Z',
  kind: 'TRN',
  title: { lang: 'en', text: 'Regional training' },
  ...over,
});

const verdictOf = (body: Record<string, unknown>) => {
  const split = splitRepresentation(body);
  expect(split.problems).toEqual([]);
  return reconcileServerManagedFields(split.managed, RECORD);
};

describe('splitRepresentation', () => {
  it('takes the six server-managed fields out and leaves the content, unknown fields included, as sent', () => {
    const split = splitRepresentation(representation({ localId: 'base', budget: 1 }));
    expect(split.managed).toEqual({
      initiativeId: 'IP-HUB-AFR-base',
      localId: 'base',
      reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
      version: 3,
      lastUpdatedAt: '2027-01-10T09:30:00.000Z',
    });
    expect(split.content).toEqual({ kind: 'TRN', title: { lang: 'en', text: 'Regional training' }, budget: 1 });
    expect(split.problems).toEqual([]);
    expect(SERVER_MANAGED_FIELDS).toEqual([
      'initiativeId',
      'localId',
      'reportingOrg',
      'version',
      'lastUpdatedAt',
      'withdrawal',
    ]);
  });

  it('keeps a key named __proto__ as an own field of the content (refused there), never as a prototype', () => {
    const body = JSON.parse('{"kind":"TRN","__proto__":{"polluted":true},"version":3}') as Record<string, unknown>;
    const split = splitRepresentation(body);
    expect(Object.keys(split.content)).toEqual(['kind', '__proto__']);
    expect(Object.getPrototypeOf(split.content)).toBe(Object.prototype);
    expect((split.content as { polluted?: boolean }).polluted).toBeUndefined();
    expect(split.managed).toEqual({ version: 3 });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['an initiativeId that is not a string', { initiativeId: 7 }, 'initiativeId', 'isString'],
    ['a localId that is not a string', { localId: null }, 'localId', 'isString'],
    ['a version that is not an integer', { version: '3' }, 'version', 'isInt'],
    ['a version of 0', { version: 0 }, 'version', 'isInt'],
    ['a fractional version', { version: 2.5 }, 'version', 'isInt'],
    ['a lastUpdatedAt that is not a date-time', { lastUpdatedAt: 'yesterday' }, 'lastUpdatedAt', 'isDateTime'],
    ['a lastUpdatedAt that is a date only', { lastUpdatedAt: '2027-01-10' }, 'lastUpdatedAt', 'isDateTime'],
    ['a lastUpdatedAt that is a number', { lastUpdatedAt: 1767000000000 }, 'lastUpdatedAt', 'isDateTime'],
    ['a reportingOrg that is not an object', { reportingOrg: 'IP-HUB-AFR' }, 'reportingOrg', 'isObject'],
    ['a reportingOrg that is an array', { reportingOrg: [] }, 'reportingOrg', 'isObject'],
    [
      'a reportingOrg with a field it does not have',
      { reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false, name: 'x' } },
      'reportingOrg.name',
      'whitelistValidation',
    ],
    [
      'a reportingOrg without its type',
      { reportingOrg: { ref: 'IP-HUB-AFR', secondaryReporter: false } },
      'reportingOrg.type',
      'isDefined',
    ],
    [
      'a reportingOrg whose secondaryReporter is not a boolean',
      { reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: 'false' } },
      'reportingOrg.secondaryReporter',
      'isBoolean',
    ],
  ])('refuses %s (%j) as malformed (400), naming %s (%s)', (_name, over, field, rule) => {
    const split = splitRepresentation(representation(over));
    expect(split.problems).toEqual([expect.objectContaining({ field, rule })]);
    expect(split.problems[0].message.length).toBeGreaterThan(10);
  });

  it('accepts the date-times other JSON libraries write for the same instant', () => {
    for (const lastUpdatedAt of ['2027-01-10T09:30:00Z', '2027-01-10T09:30:00.1Z', '2027-01-10T11:30:00+02:00']) {
      expect(splitRepresentation(representation({ lastUpdatedAt })).problems).toEqual([]);
    }
  });
});

describe('reconcileServerManagedFields', () => {
  it('agrees with the representation GET returned, with or without localId, and with the content alone', () => {
    expect(verdictOf(representation())).toEqual({ kind: 'agrees' });
    expect(verdictOf(representation({ localId: 'base' }))).toEqual({ kind: 'agrees' });
    expect(verdictOf({ kind: 'TRN' })).toEqual({ kind: 'agrees' });
  });

  it('ignores lastUpdatedAt whatever instant it names: the owner sets it, If-Match says which version was read', () => {
    expect(verdictOf(representation({ lastUpdatedAt: '1999-12-31T23:59:59Z' }))).toEqual({ kind: 'agrees' });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['another id', { initiativeId: 'IP-HUB-AFR-other' }, 'initiativeId', 'matchesPath'],
    ["another hub's id", { initiativeId: 'IP-HUB-EUR-base' }, 'initiativeId', 'matchesPath'],
    ['an id differing in case only', { initiativeId: 'ip-hub-afr-base' }, 'initiativeId', 'matchesPath'],
    ['another localId', { localId: 'other' }, 'localId', 'matchesPath'],
    ['the whole id as localId', { localId: 'IP-HUB-AFR-base' }, 'localId', 'matchesPath'],
    [
      'another reporting organisation',
      { reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false } },
      'reportingOrg.ref',
      'sameAsRecord',
    ],
    [
      'another reporting organisation type',
      { reportingOrg: { ref: 'IP-HUB-AFR', type: 'PARTNER', secondaryReporter: false } },
      'reportingOrg.type',
      'sameAsRecord',
    ],
    [
      'a secondary reporter flag set',
      { reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: true } },
      'reportingOrg.secondaryReporter',
      'sameAsRecord',
    ],
    [
      'a withdrawal',
      { withdrawal: { reason: 'reported twice', withdrawnAt: '2027-01-10T09:30:00Z' } },
      'withdrawal',
      'setByWithdraw',
    ],
    ['a withdrawal of null', { withdrawal: null }, 'withdrawal', 'setByWithdraw'],
  ])('refuses %s (%j) with a conflict (409) naming %s (%s)', (_name, over, field, rule) => {
    const verdict = verdictOf(representation(over));
    expect(verdict).toEqual({ kind: 'conflict', problems: [expect.objectContaining({ field, rule })] });
    if (verdict.kind === 'conflict') expect(verdict.problems[0].message).toMatch(/leave .* out/);
  });

  it('names every contradicting field at once, and a conflict outranks a version mismatch', () => {
    const verdict = verdictOf(
      representation({
        initiativeId: 'IP-HUB-AFR-other',
        localId: 'other',
        reportingOrg: { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true },
        version: 2,
      }),
    );
    expect(verdict.kind).toBe('conflict');
    if (verdict.kind === 'conflict') {
      expect(verdict.problems.map((p) => `${p.field} ${p.rule}`)).toEqual([
        'initiativeId matchesPath',
        'localId matchesPath',
        'reportingOrg.ref sameAsRecord',
        'reportingOrg.type sameAsRecord',
        'reportingOrg.secondaryReporter sameAsRecord',
      ]);
      expect(verdict.problems[0].message).toContain('IP-HUB-AFR-base');
    }
  });

  it.each([2, 4, 1])('refuses version %i when If-Match says 3 (412 matchesIfMatch)', (version) => {
    const verdict = verdictOf(representation({ version }));
    expect(verdict).toEqual({
      kind: 'preconditionFailed',
      problems: [expect.objectContaining({ field: 'version', rule: 'matchesIfMatch' })],
    });
    if (verdict.kind === 'preconditionFailed') {
      expect(verdict.problems[0].message).toContain(`version ${version}`);
      expect(verdict.problems[0].message).toContain('If-Match says 3');
    }
  });

  it("judges a partner's record by its own owner and local part", () => {
    const partner: ReplacedRecord = {
      initiativeId: 'PT-UNODC-GLO-ACT-2027-04',
      localId: 'GLO-ACT-2027-04',
      reportingOrg: { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true },
      expectedVersion: 1,
    };
    const managed = {
      initiativeId: 'PT-UNODC-GLO-ACT-2027-04',
      localId: 'GLO-ACT-2027-04',
      reportingOrg: { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true },
      version: 1,
      lastUpdatedAt: '2027-01-10T09:30:00.000Z',
    };
    expect(reconcileServerManagedFields(managed, partner)).toEqual({ kind: 'agrees' });
    expect(
      reconcileServerManagedFields(
        { ...managed, reportingOrg: { ...managed.reportingOrg, secondaryReporter: false } },
        partner,
      ),
    ).toMatchObject({ kind: 'conflict' });
  });
});

describe('ifMatchVersion', () => {
  it.each<[string | undefined, number | 'missing' | 'malformed']>([
    ['"3"', 3],
    ['W/"3"', 3],
    ['3', 3],
    [' "12" ', 12],
    [undefined, 'missing'],
    ['', 'missing'],
    ['  ', 'missing'],
    ['*', 'malformed'],
    ['"-1"', 'malformed'],
    ['"1e2"', 'malformed'],
    ['"0x10"', 'malformed'],
    ['"99999999999999999999"', 'malformed'],
  ])('reads %p as %p', (header, expected) => {
    expect(ifMatchVersion(header)).toBe(expected);
  });
});
