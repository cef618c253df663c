import { ValidationError } from 'class-validator';
import { checkInitiativeSnapshot, contentShapeProblems, flattenValidationErrors } from './validation';

const NOW = Date.parse('2026-03-10T12:30:00.000Z');

type Plain = Record<string, unknown>;

/** A complete `ctp:initiative:v1` snapshot as it arrives on the wire: every optional field set. */
function validPlain(): Plain {
  return {
    initiativeId: 'IP-HUB-AFR-OPS-2026-001',
    reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
    version: 3,
    lastUpdatedAt: '2026-03-10T12:00:00.000Z',
    kind: 'OPS',
    codeName: 'SAHEL-SHIELD',
    title: { lang: 'en', text: 'Operation Sahel Shield' },
    titleAlt: [{ lang: 'fr', text: 'Opération Bouclier du Sahel' }],
    description: 'Joint border screening operation against foreign terrorist fighters.',
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
    capabilities: ['BORDER_MANAGEMENT', 'CRIMINAL_ANALYSIS'],
    status: 'IMPLEMENTATION',
    dates: { plannedStart: '2026-02-01', plannedEnd: '2026-04-30', actualStart: '2026-02-03' },
    scope: 'REGIONAL',
    recipientCountries: ['NE', 'ML', 'TD'],
    participatingOrgs: [{ ref: 'PT-AFRIPOL', name: 'AFRIPOL', role: 'IMPLEMENTING' }],
    relatedInitiatives: [{ ref: 'IP-HUB-AFR-PRJ-7', type: 1 }],
    otherIdentifiers: [{ ref: 'AFP-2026-12', ownerOrg: 'PT-AFRIPOL' }],
    visibility: 'PARTNER_SHAREABLE',
  };
}

/** The reporter's content: the snapshot without the identity and versioning the owner assigns. */
function validContent(): Plain {
  const { initiativeId: _id, reportingOrg: _org, version: _v, lastUpdatedAt: _at, ...content } = validPlain();
  return content;
}

/** Sets (or with `undefined`, deletes) the value at a path like `dates.plannedStart` or `participatingOrgs.0.role`. */
function withValue(base: Plain, path: string, value: unknown): Plain {
  const copy = structuredClone(base);
  const keys = path.split('.');
  const last = keys.pop()!;
  let target = copy as Record<string, unknown>;
  for (const k of keys) target = target[k] as Record<string, unknown>;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

function fieldsOf(result: ReturnType<typeof checkInitiativeSnapshot>): string[] {
  return result.ok ? [] : [...new Set(result.problems.map((p) => p.field))];
}

describe('checkInitiativeSnapshot', () => {
  it('accepts a complete valid snapshot and hands it back', () => {
    const plain = validPlain();
    expect(checkInitiativeSnapshot(plain, NOW)).toEqual({ ok: true, snapshot: plain });
  });

  it('accepts a withdrawn snapshot (withdrawal set)', () => {
    const plain = { ...validPlain(), withdrawal: { reason: 'reported in error', withdrawnAt: '2026-03-10T12:00:00Z' } };
    expect(checkInitiativeSnapshot(plain, NOW)).toEqual({ ok: true, snapshot: plain });
  });

  describe('optional fields may be left out', () => {
    it.each([
      'codeName',
      'titleAlt',
      'description',
      'capabilities',
      'participatingOrgs',
      'relatedInitiatives',
      'otherIdentifiers',
      'dates.actualEnd',
    ])('without %s → ok', (path) => {
      expect(checkInitiativeSnapshot(withValue(validPlain(), path, undefined), NOW).ok).toBe(true);
    });

    it('empty arrays → ok', () => {
      const plain = { ...validPlain(), titleAlt: [], capabilities: [], participatingOrgs: [], relatedInitiatives: [] };
      expect(checkInitiativeSnapshot(plain, NOW).ok).toBe(true);
    });
  });

  describe('a missing required field → SCHEMA naming that field', () => {
    it.each([
      'initiativeId',
      'reportingOrg',
      'version',
      'lastUpdatedAt',
      'kind',
      'title',
      'actionStreams',
      'status',
      'dates',
      'scope',
      'recipientCountries',
      'visibility',
      'reportingOrg.ref',
      'reportingOrg.type',
      'reportingOrg.secondaryReporter',
      'title.lang',
      'title.text',
      'actionStreams.primary',
      'actionStreams.secondary',
      'dates.plannedStart',
      'dates.plannedEnd',
    ])('%s', (path) => {
      const result = checkInitiativeSnapshot(withValue(validPlain(), path, undefined), NOW);
      expect(result).toMatchObject({ ok: false, reason: 'SCHEMA' });
      expect(fieldsOf(result)).toEqual([path]);
    });

    it.each([
      ['titleAlt.0.text', 'titleAlt[0].text'],
      ['participatingOrgs.0.ref', 'participatingOrgs[0].ref'],
      ['participatingOrgs.0.name', 'participatingOrgs[0].name'],
      ['participatingOrgs.0.role', 'participatingOrgs[0].role'],
      ['relatedInitiatives.0.ref', 'relatedInitiatives[0].ref'],
      ['relatedInitiatives.0.type', 'relatedInitiatives[0].type'],
      ['otherIdentifiers.0.ref', 'otherIdentifiers[0].ref'],
      ['otherIdentifiers.0.ownerOrg', 'otherIdentifiers[0].ownerOrg'],
      ['withdrawal.reason', 'withdrawal.reason'],
      ['withdrawal.withdrawnAt', 'withdrawal.withdrawnAt'],
    ])('%s inside a list or optional object → %s', (path, field) => {
      const base = {
        ...validPlain(),
        withdrawal: { reason: 'reported in error', withdrawnAt: '2026-03-10T12:00:00Z' },
      };
      const result = checkInitiativeSnapshot(withValue(base, path, undefined), NOW);
      expect(result).toMatchObject({ ok: false, reason: 'SCHEMA' });
      expect(fieldsOf(result)).toEqual([field]);
    });
  });

  describe('an unknown enumeration value → SCHEMA isIn on that field', () => {
    it.each([
      ['kind', 'PROJECT', 'kind'],
      ['kind', 'prj', 'kind'],
      ['status', 'ONGOING', 'status'],
      ['status', 'pipeline', 'status'],
      ['status', 'WITHDRAWN', 'status'],
      ['scope', 'WORLD', 'scope'],
      ['visibility', 'PUBLIC', 'visibility'],
      ['title.lang', 'de', 'title.lang'],
      ['title.lang', 'EN', 'title.lang'],
      ['titleAlt.0.lang', 'pt', 'titleAlt[0].lang'],
      ['actionStreams.primary', 'CYBER', 'actionStreams.primary'],
      // The consumer's validator names the element itself.
      ['actionStreams.secondary', ['CYBER'], 'actionStreams.secondary[0]'],
      ['capabilities', ['FORENSICS', 'HACKING'], 'capabilities[1]'],
      ['participatingOrgs.0.role', 'DONOR', 'participatingOrgs[0].role'],
      ['relatedInitiatives.0.type', 6, 'relatedInitiatives[0].type'],
      ['relatedInitiatives.0.type', 0, 'relatedInitiatives[0].type'],
      ['reportingOrg.type', 'AGENCY', 'reportingOrg.type'],
    ])('%s = %j → %s', (path, value, field) => {
      const result = checkInitiativeSnapshot(withValue(validPlain(), path, value), NOW);
      expect(result).toMatchObject({ ok: false, reason: 'SCHEMA' });
      expect(fieldsOf(result)).toEqual([field]);
      expect(result.ok || result.problems.map((p) => p.rule)).toContain('isIn');
    });

    it.each([
      ['kind', 'TRN'],
      ['status', 'SUSPENDED'],
      ['scope', 'GLOBAL'],
      ['visibility', 'INTERPOL_RESTRICTED'],
      ['title.lang', 'ar'],
      ['actionStreams.primary', 'FINANCING'],
      ['capabilities', ['INNOVATION']],
      ['participatingOrgs.0.role', 'FUNDING'],
      ['relatedInitiatives.0.type', 5],
      ['reportingOrg.type', 'PARTNER'],
    ])('%s = %j (known) → ok', (path, value) => {
      let plain = withValue(validPlain(), path, value);
      if (path === 'scope') plain = withValue(plain, 'recipientCountries', []);
      expect(checkInitiativeSnapshot(plain, NOW).ok).toBe(true);
    });
  });

  describe('a property outside the schema → SCHEMA whitelistValidation naming it', () => {
    it.each([
      ['region', 'region'],
      ['title.translatedBy', 'title.translatedBy'],
      ['reportingOrg.name', 'reportingOrg.name'],
      ['dates.actualMid', 'dates.actualMid'],
      ['actionStreams.tertiary', 'actionStreams.tertiary'],
      ['participatingOrgs.0.country', 'participatingOrgs[0].country'],
    ])('%s', (path, field) => {
      const result = checkInitiativeSnapshot(withValue(validPlain(), path, 'x'), NOW);
      expect(result).toMatchObject({
        ok: false,
        reason: 'SCHEMA',
        problems: [{ field, rule: 'whitelistValidation', message: expect.any(String), reason: 'SCHEMA' }],
      });
    });
  });

  describe('a value of the wrong type or form → SCHEMA on that field', () => {
    it.each([
      ['version', '1', 'version', 'isInt'],
      ['version', 0, 'version', 'min'],
      ['version', -1, 'version', 'min'],
      ['version', 1.5, 'version', 'isInt'],
      ['version', 2_000_000_001, 'version', 'max'],
      ['recipientCountries', 'FR', 'recipientCountries', 'isArray'],
      ['recipientCountries', [1], 'recipientCountries[0]', 'isString'],
      ['initiativeId', 42, 'initiativeId', 'isString'],
      ['initiativeId', 'AB', 'initiativeId', 'isLength'],
      ['lastUpdatedAt', 1_773_144_000_000, 'lastUpdatedAt', 'isString'],
      ['reportingOrg.secondaryReporter', 'false', 'reportingOrg.secondaryReporter', 'isBoolean'],
      ['title', 'Operation Sahel Shield', 'title', 'isObject'],
      ['title.text', '', 'title.text', 'isLength'],
      ['dates', '2026-02-01/2026-04-30', 'dates', 'isObject'],
      ['dates.plannedStart', '2026/02/01', 'dates.plannedStart', 'matches'],
      ['dates.actualStart', '3 Feb 2026', 'dates.actualStart', 'matches'],
      ['actionStreams.secondary', 'IDENTIFICATION', 'actionStreams.secondary', 'isArray'],
      ['actionStreams.secondary', ['IDENTIFICATION', 'IDENTIFICATION'], 'actionStreams.secondary', 'arrayUnique'],
      ['capabilities', ['FORENSICS', 'FORENSICS'], 'capabilities', 'arrayUnique'],
      ['titleAlt', { lang: 'fr', text: 'x' }, 'titleAlt', 'isArray'],
      ['relatedInitiatives.0.type', '1', 'relatedInitiatives[0].type', 'isInt'],
      ['codeName', 'sahel-shield', 'codeName', 'matches'],
      ['codeName', 'SAHEL SHIELD', 'codeName', 'matches'],
      ['codeName', 'X'.repeat(41), 'codeName', 'matches'],
      ['reportingOrg.ref', 'IP-HUB-USA', 'reportingOrg.ref', 'matches'],
      ['reportingOrg.ref', 'ip-hub-afr', 'reportingOrg.ref', 'matches'],
      ['reportingOrg.ref', 'IP-GS-XYZ', 'reportingOrg.ref', 'matches'],
      ['reportingOrg.ref', 'PT-', 'reportingOrg.ref', 'matches'],
      ['reportingOrg.ref', 'PT-A', 'reportingOrg.ref', 'matches'],
      ['reportingOrg.ref', 'PT-UN ODC', 'reportingOrg.ref', 'matches'],
    ])('%s = %j → %s %s', (path, value, field, rule) => {
      const result = checkInitiativeSnapshot(withValue(validPlain(), path, value), NOW);
      expect(result).toMatchObject({ ok: false, reason: 'SCHEMA' });
      expect(fieldsOf(result)).toEqual([field]);
      expect(result.ok || result.problems.map((p) => p.rule)).toContain(rule);
    });

    it.each([
      ['codeName', 'SAHEL-SHIELD-2'],
      ['codeName', 'X'.repeat(40)],
      ['version', 1],
      ['version', 2_000_000_000],
    ])('%s = %j → ok', (path, value) => {
      expect(checkInitiativeSnapshot(withValue(validPlain(), path, value), NOW).ok).toBe(true);
    });

    it.each([
      ['IP-HUB-EUR', 'HUB'],
      ['IP-GS-CTP', 'PLATFORM'],
      ['PT-UNODC', 'PARTNER'],
      ['PT-EU', 'PARTNER'],
    ])('reportingOrg.ref %s → ok', (ref, type) => {
      const plain = {
        ...validPlain(),
        reportingOrg: { ref, type, secondaryReporter: false },
        initiativeId: `${ref}-OPS-1`,
      };
      expect(checkInitiativeSnapshot(plain, NOW).ok).toBe(true);
    });
  });

  describe('input that is not an object → SCHEMA on `data`', () => {
    it.each([
      ['null', null],
      ['undefined', undefined],
      ['a string', '{"kind":"OPS"}'],
      ['a number', 42],
      ['a boolean', true],
      ['an array', [validPlain()]],
    ])('%s', (_label, input) => {
      expect(checkInitiativeSnapshot(input, NOW)).toEqual({
        ok: false,
        reason: 'SCHEMA',
        problems: [{ field: 'data', rule: 'isObject', message: expect.any(String), reason: 'SCHEMA' }],
      });
    });
  });

  describe('rule-level checks come after the shape', () => {
    it('planned dates reversed → INVALID_DATES', () => {
      const plain = withValue(validPlain(), 'dates.plannedEnd', '2026-01-31');
      expect(checkInitiativeSnapshot(plain, NOW)).toEqual({
        ok: false,
        reason: 'INVALID_DATES',
        problems: [
          { field: 'dates.plannedEnd', rule: 'plannedOrder', message: expect.any(String), reason: 'INVALID_DATES' },
        ],
      });
    });

    it('an actual date after the report → ACTUAL_DATE_IN_FUTURE', () => {
      const plain = withValue(validPlain(), 'dates.actualStart', '2026-03-12');
      expect(checkInitiativeSnapshot(plain, NOW)).toEqual({
        ok: false,
        reason: 'ACTUAL_DATE_IN_FUTURE',
        problems: [
          {
            field: 'dates.actualStart',
            rule: 'notAfterReport',
            message: expect.any(String),
            reason: 'ACTUAL_DATE_IN_FUTURE',
          },
        ],
      });
    });

    it('a report time in the future → ACTUAL_DATE_IN_FUTURE', () => {
      const plain = withValue(validPlain(), 'lastUpdatedAt', '2026-03-11T12:00:00Z');
      expect(checkInitiativeSnapshot(plain, NOW)).toMatchObject({
        ok: false,
        reason: 'ACTUAL_DATE_IN_FUTURE',
        problems: [{ field: 'lastUpdatedAt', rule: 'notInFuture' }],
      });
    });

    it('a status without its actual date → INVALID_DATES', () => {
      const plain = withValue(validPlain(), 'dates.actualStart', undefined);
      expect(checkInitiativeSnapshot(plain, NOW)).toMatchObject({
        ok: false,
        reason: 'INVALID_DATES',
        problems: [{ field: 'dates.actualStart', rule: 'actualStartRequired' }],
      });
    });

    it.each([
      ['a bad country code', 'recipientCountries', ['fr'], 'recipientCountries[0]', 'isoCountry'],
      ['another reporter’s prefix', 'initiativeId', 'IP-HUB-EUR-OPS-1', 'initiativeId', 'ownPrefix'],
      ['an impossible calendar date', 'dates.plannedEnd', '2027-02-30', 'dates.plannedEnd', 'isoDate'],
      ['a report time that is not a timestamp', 'lastUpdatedAt', 'yesterday', 'lastUpdatedAt', 'isoTimestamp'],
    ])('well-shaped but %s → SCHEMA from the rules', (_label, path, value, field, rule) => {
      expect(checkInitiativeSnapshot(withValue(validPlain(), path, value), NOW)).toMatchObject({
        ok: false,
        reason: 'SCHEMA',
        problems: [{ field, rule, reason: 'SCHEMA' }],
      });
    });

    it('a shape failure hides the rule-level failures (they are not evaluated)', () => {
      const plain = withValue(withValue(validPlain(), 'dates.plannedEnd', '2026-01-31'), 'kind', 'PROJECT');
      const result = checkInitiativeSnapshot(plain, NOW);
      expect(result).toMatchObject({ ok: false, reason: 'SCHEMA' });
      expect(fieldsOf(result)).toEqual(['kind']);
    });

    it('with several rule violations, all are listed and the first one gives the reason', () => {
      const plain = withValue(withValue(validPlain(), 'dates.plannedEnd', '2026-01-31'), 'recipientCountries', ['XX']);
      const result = checkInitiativeSnapshot(plain, NOW);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason).toBe('INVALID_DATES');
      expect(result.problems.map((p) => [p.field, p.rule, p.reason])).toEqual([
        ['dates.plannedEnd', 'plannedOrder', 'INVALID_DATES'],
        ['recipientCountries[0]', 'isoCountry', 'SCHEMA'],
      ]);
    });

    it('judges actual dates against the report time: a 2020 report replayed in 2030 passes', () => {
      const plain = {
        ...validPlain(),
        lastUpdatedAt: '2020-06-15T09:00:00.000Z',
        status: 'CLOSED',
        dates: {
          plannedStart: '2020-01-01',
          plannedEnd: '2020-06-30',
          actualStart: '2020-01-10',
          actualEnd: '2020-06-15',
        },
      };
      expect(checkInitiativeSnapshot(plain, Date.parse('2030-01-01T00:00:00Z')).ok).toBe(true);
    });
  });
});

describe('contentShapeProblems', () => {
  it('the content without identity and versioning has no problem', () => {
    expect(contentShapeProblems(validContent())).toEqual([]);
  });

  it.each(['initiativeId', 'reportingOrg', 'version', 'lastUpdatedAt', 'withdrawal'])(
    'the owner-assigned %s is rejected as non-whitelisted',
    (key) => {
      const plain = { ...validContent(), [key]: validPlain()[key] ?? { reason: 'x', withdrawnAt: 'y' } };
      expect(contentShapeProblems(plain)).toEqual([
        { field: key, rule: 'whitelistValidation', message: expect.any(String) },
      ]);
    },
  );

  it.each([
    ['kind', 'PROJECT', 'kind'],
    ['participatingOrgs.0.role', 'DONOR', 'participatingOrgs[0].role'],
    ['dates.plannedStart', undefined, 'dates.plannedStart'],
    ['title', undefined, 'title'],
  ])('%s = %j → a problem on %s', (path, value, field) => {
    const problems = contentShapeProblems(withValue(validContent(), path, value));
    expect(problems.length).toBeGreaterThan(0);
    expect([...new Set(problems.map((p) => p.field))]).toEqual([field]);
  });

  it('refuses keys from the prototype chain like any unknown key, and never throws on them', () => {
    for (const json of [
      '{"title":{"lang":"en","text":"x","__proto__":{"a":1}}}',
      '{"status":{"constructor":{}}}',
      '{"prototype":{"constructor":-1}}',
      '{"":{"constructor":true}}',
    ]) {
      const plain = { ...validContent(), ...(JSON.parse(json) as Plain) };
      const problems = contentShapeProblems(plain);
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p.field).not.toBe('');
    }
    const proto = { ...validContent(), title: JSON.parse('{"lang":"en","text":"x","__proto__":{"a":1}}') as Plain };
    expect(contentShapeProblems(proto)).toEqual([expect.objectContaining({ field: 'title.__proto__' })]);
  });

  it('names an empty key "" (every problem names a field)', () => {
    expect(contentShapeProblems({ ...validContent(), '': null })).toEqual([
      expect.objectContaining({ field: '""', rule: 'whitelistValidation' }),
    ]);
  });

  it('checks only the shape: reversed dates are for the rules', () => {
    expect(contentShapeProblems(withValue(validContent(), 'dates.plannedEnd', '2026-01-31'))).toEqual([]);
  });

  it.each([
    ['null', null],
    ['a string', 'x'],
    ['an array', [validContent()]],
  ])('%s → one problem on `body`', (_label, input) => {
    expect(contentShapeProblems(input)).toEqual([{ field: 'body', rule: 'isObject', message: expect.any(String) }]);
  });
});

describe('flattenValidationErrors', () => {
  function error(property: string, constraints?: Record<string, string>, children: ValidationError[] = []) {
    return Object.assign(new ValidationError(), { property, constraints, children });
  }

  it('no errors → no problems', () => {
    expect(flattenValidationErrors([])).toEqual([]);
  });

  it('one entry per field and rule', () => {
    expect(
      flattenValidationErrors([
        error('version', { isInt: 'version must be an integer', min: 'version must not be less than 1' }),
        error('kind', { isIn: 'kind must be one of …' }),
      ]),
    ).toEqual([
      { field: 'version', rule: 'isInt', message: 'version must be an integer' },
      { field: 'version', rule: 'min', message: 'version must not be less than 1' },
      { field: 'kind', rule: 'isIn', message: 'kind must be one of …' },
    ]);
  });

  it('nested objects are joined with dots and array indexes with brackets', () => {
    const tree = [
      error('title', undefined, [error('lang', { isIn: 'bad lang' })]),
      error('participatingOrgs', undefined, [
        error('0', undefined, [error('role', { isIn: 'bad role' })]),
        error('12', undefined, [error('name', { isLength: 'too long' }), error('ref', { isString: 'not a string' })]),
      ]),
    ];
    expect(flattenValidationErrors(tree)).toEqual([
      { field: 'title.lang', rule: 'isIn', message: 'bad lang' },
      { field: 'participatingOrgs[0].role', rule: 'isIn', message: 'bad role' },
      { field: 'participatingOrgs[12].name', rule: 'isLength', message: 'too long' },
      { field: 'participatingOrgs[12].ref', rule: 'isString', message: 'not a string' },
    ]);
  });

  it('a parent with its own constraint is listed before its children', () => {
    expect(
      flattenValidationErrors([
        error('dates', { isObject: 'dates must be an object' }, [error('plannedStart', { matches: 'm' })]),
      ]),
    ).toEqual([
      { field: 'dates', rule: 'isObject', message: 'dates must be an object' },
      { field: 'dates.plannedStart', rule: 'matches', message: 'm' },
    ]);
  });

  it('prefixes every field with the given parent', () => {
    expect(flattenValidationErrors([error('kind', { isIn: 'k' }), error('3', { x: 'y' })], 'data')).toEqual([
      { field: 'data.kind', rule: 'isIn', message: 'k' },
      { field: 'data[3]', rule: 'x', message: 'y' },
    ]);
  });
});
