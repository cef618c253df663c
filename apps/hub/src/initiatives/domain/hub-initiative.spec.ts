import {
  assertAgreesWithRecord,
  firstVersion,
  nextVersion,
  parseContent,
  parseLocalId,
  parseReplacement,
  regionalSystemActor,
  withdrawnVersion,
} from './hub-initiative';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  InitiativeRuleViolation,
  InvalidTransition,
  MalformedInitiative,
} from './initiative-errors';

const owner = { orgRef: 'IP-HUB-EUR' };
const now = new Date('2026-01-10T12:00:00.000Z');
const later = new Date('2026-01-11T12:00:00.000Z');

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'TRN',
    title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
    capabilities: ['CAPACITY_BUILDING'],
    status: 'PIPELINE',
    dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
    scope: 'REGIONAL',
    recipientCountries: ['FR', 'BE'],
    participatingOrgs: [{ ref: 'PT-EUROPOL', name: 'Europol', role: 'IMPLEMENTING' }],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

const v1 = () => firstVersion(owner, 'trn-1', parseContent(body()), now);

describe('parseContent', () => {
  it('keeps the content fields of a well-formed body', () => {
    const content = parseContent(body());
    expect(content.status).toBe('PIPELINE');
    expect(content.recipientCountries).toEqual(['FR', 'BE']);
  });

  it.each([
    ['null', null],
    ['an array', [body()]],
    ['a string', 'TRN'],
  ])('refuses a body that is %s (malformed)', (_, value) => {
    expect(() => parseContent(value)).toThrow(MalformedInitiative);
  });

  it('refuses an unknown field, naming it', () => {
    try {
      parseContent(body({ colour: 'red' }));
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(MalformedInitiative);
      expect((err as MalformedInitiative).details.map((d) => d.field)).toContain('colour');
    }
  });

  it('allows the extra fields named (localId on POST) and leaves them out of the content', () => {
    expect(() => parseContent(body({ localId: 'x' }))).toThrow(MalformedInitiative);
    const content = parseContent(body({ localId: 'x' }), ['localId']) as unknown as Record<string, unknown>;
    expect(content.localId).toBeUndefined();
  });

  it('refuses a NUL character in a text', () => {
    expect(() => parseContent(body({ title: { lang: 'fr', text: 'a\u0000b' } }))).toThrow(MalformedInitiative);
  });
});

describe('parseReplacement and assertAgreesWithRecord (PUT: what you GET you can PUT back)', () => {
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new Error('expected a refusal');
  };

  it('takes the representation GET returned: the same content as the content alone, server-managed fields agreeing', () => {
    const stored = v1();
    const { content, managed } = parseReplacement({ ...stored, localId: 'trn-1' });
    expect(content).toEqual(parseContent(body()));
    expect(() => assertAgreesWithRecord(managed, stored, 1)).not.toThrow();
    expect(nextVersion(stored, content, later)).toBeUndefined();
  });

  it('refuses a server-managed field of the wrong type and any other unknown field together (400, each named)', () => {
    const err = thrown(() => parseReplacement({ ...v1(), version: 'one', budget: 1 }));
    expect(err).toBeInstanceOf(MalformedInitiative);
    expect((err as MalformedInitiative).details.map((d) => `${d.field} ${d.rule}`)).toEqual([
      'version isInt',
      'budget whitelistValidation',
    ]);
  });

  it('refuses an id of another record as ContradictsRecord (409) and a version other than If-Match as ContradictsIfMatch (412)', () => {
    const stored = v1();
    const other = parseReplacement({ ...stored, initiativeId: 'IP-HUB-EUR-trn-2' });
    const conflict = thrown(() => assertAgreesWithRecord(other.managed, stored, 1));
    expect(conflict).toBeInstanceOf(ContradictsRecord);
    expect((conflict as ContradictsRecord).details).toEqual([
      expect.objectContaining({ field: 'initiativeId', rule: 'matchesPath' }),
    ]);
    const stale = thrown(() => assertAgreesWithRecord(parseReplacement(stored).managed, stored, 2));
    expect(stale).toBeInstanceOf(ContradictsIfMatch);
    expect((stale as ContradictsIfMatch).details).toEqual([
      expect.objectContaining({ field: 'version', rule: 'matchesIfMatch' }),
    ]);
  });

  it("reads the record's localId from its id under the hub's prefix", () => {
    const stored = v1();
    const wrong = parseReplacement({ ...body(), localId: 'trn-2' });
    expect(thrown(() => assertAgreesWithRecord(wrong.managed, stored, 1))).toBeInstanceOf(ContradictsRecord);
  });
});

describe('parseLocalId', () => {
  it.each(['trn-1', 'A.b_c-9', 'x'.repeat(40)])('accepts %s', (id) => expect(parseLocalId(id)).toBe(id));

  it('is undefined when absent', () => expect(parseLocalId(undefined)).toBeUndefined());

  it.each([
    ['with a space', 'a b'],
    ['too long', 'x'.repeat(41)],
    ['empty', ''],
    ['a number', 12],
    ['a slash', 'a/b'],
  ])('refuses one %s', (_, id) => {
    expect(() => parseLocalId(id)).toThrow(MalformedInitiative);
  });
});

describe('firstVersion', () => {
  it('is version 1 under the hub’s own prefix, reported by the hub, at now', () => {
    const s = v1();
    expect(s).toMatchObject({
      initiativeId: 'IP-HUB-EUR-trn-1',
      version: 1,
      lastUpdatedAt: now.toISOString(),
      reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false },
      status: 'PIPELINE',
    });
  });

  it('refuses content that breaks a rule of the model (end before start) as a rule violation', () => {
    const content = parseContent(body({ dates: { plannedStart: '2027-03-05', plannedEnd: '2027-03-01' } }));
    expect(() => firstVersion(owner, 'trn-1', content, now)).toThrow(InitiativeRuleViolation);
  });
});

describe('nextVersion', () => {
  it('is undefined when the content is what is stored (a no-op: no version, no event)', () => {
    expect(nextVersion(v1(), parseContent(body()), later)).toBeUndefined();
  });

  it('is the next version with the new content', () => {
    const next = nextVersion(v1(), parseContent(body({ recipientCountries: ['FR'] })), later);
    expect(next).toMatchObject({
      initiativeId: 'IP-HUB-EUR-trn-1',
      version: 2,
      lastUpdatedAt: later.toISOString(),
      recipientCountries: ['FR'],
    });
  });

  it('allows an allowed transition (PIPELINE → CANCELLED)', () => {
    expect(nextVersion(v1(), parseContent(body({ status: 'CANCELLED' })), later)?.status).toBe('CANCELLED');
  });

  it('refuses a transition the lifecycle does not allow (PIPELINE → CLOSED), saying what is allowed', () => {
    try {
      nextVersion(v1(), parseContent(body({ status: 'CLOSED' })), later);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidTransition);
      const e = err as InvalidTransition;
      expect([e.from, e.to]).toEqual(['PIPELINE', 'CLOSED']);
      expect(e.details[0].message).toContain('IMPLEMENTATION, CANCELLED');
    }
  });

  it('refuses any change of a terminal status, saying nothing can follow', () => {
    const cancelled = nextVersion(v1(), parseContent(body({ status: 'CANCELLED' })), later)!;
    try {
      nextVersion(cancelled, parseContent(body({ status: 'PIPELINE' })), later);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidTransition);
      expect((err as InvalidTransition).details[0].message).toContain('nothing (terminal)');
    }
  });

  it('refuses new content that breaks a rule as a rule violation', () => {
    const content = parseContent(body({ dates: { plannedStart: '2027-03-05', plannedEnd: '2027-03-01' } }));
    expect(() => nextVersion(v1(), content, later)).toThrow(InitiativeRuleViolation);
  });
});

describe('withdrawnVersion', () => {
  it('is one more version carrying the reason and when', () => {
    const w = withdrawnVersion(v1(), 'reported in error', later);
    expect(w).toMatchObject({
      version: 2,
      lastUpdatedAt: later.toISOString(),
      withdrawal: { reason: 'reported in error', withdrawnAt: later.toISOString() },
      status: 'PIPELINE',
    });
  });
});

describe('regionalSystemActor', () => {
  it('is the region’s regional system, of the hub’s organisation', () => {
    expect(regionalSystemActor('eur', 'IP-HUB-EUR')).toEqual({ sub: 'nats:regional-eur', org: 'IP-HUB-EUR' });
  });
});
