import fc from 'fast-check';
import {
  CloudEvent,
  EventSources,
  INITIATIVE_SCHEMA,
  InitiativeEventType,
  InitiativeSnapshot,
  judgeInitiativeEvent,
  RuleVerdict,
  Subjects,
} from '@ctp/contracts';
import { newEvent } from '@ctp/messaging';
import * as hubDomain from '../../apps/hub/src/initiatives/domain/hub-initiative';
import { InitiativeError } from '../../apps/hub/src/initiatives/domain/initiative-errors';
import * as partnerDomain from '../../apps/partner-liaison/src/partners/domain/partner-initiative';
import { PartnerError } from '../../apps/partner-liaison/src/partners/domain/partner-errors';
import {
  applyMutations,
  FUZZ_NOW,
  jsonKey,
  mostlyValidContent,
  mutation,
  prototypeKeyedContent,
  validContent,
} from '../support/fuzz-support';

/*
 * Property-based tests of the contract's one verdict (issue #13), in process: the hub's and partner-liaison's owner
 * paths judge the same content alike, whatever an owner accepts the platform's consumer rule applies, every refusal
 * names a field and a rule, and no input makes them throw anything but their domain errors.
 * fast-check prints the seed and the shrunk counterexample of any failure; replay with { seed, path } in fc.assert.
 */

const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 400);
if (process.env.FUZZ_SEED) fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED) });
const LOCAL_ID = 'fuzz-1';
const HUB = { orgRef: 'IP-HUB-EUR', region: 'eur' as const };
const PARTNER = { ref: 'PT-UNODC', code: 'unodc' };
const LATER = new Date(FUZZ_NOW.getTime() + 60_000);

type Verdict =
  | { ok: true; snapshot: InitiativeSnapshot }
  | { ok: false; error: string; status: 400 | 422 | 409 | 'other'; details: { field: string; rule: string }[] };

function refused(err: unknown): Verdict {
  if (err instanceof InitiativeError || err instanceof PartnerError) {
    const status = /Malformed/.test(err.constructor.name)
      ? 400
      : /RuleViolation|RulesBroken/.test(err.constructor.name)
        ? 422
        : /Transition/.test(err.constructor.name)
          ? 409
          : 'other';
    return { ok: false, error: err.constructor.name, status, details: err.details };
  }
  throw err; // anything else is a bug: property (d)
}

/** The hub's path for POST /initiatives (report-initiative.ts): localId, content, version 1. */
function hubReport(body: unknown, now = FUZZ_NOW): Verdict {
  try {
    const localId = hubDomain.parseLocalId((body as Record<string, unknown> | null)?.localId) ?? LOCAL_ID;
    const content = hubDomain.parseContent(body, ['localId']);
    return { ok: true, snapshot: hubDomain.firstVersion(HUB, localId, content, now) };
  } catch (err) {
    return refused(err);
  }
}

/** partner-liaison's path for one partner initiative (record-partner-initiative.ts): parse, version 1. */
function partnerReport(body: unknown, now = FUZZ_NOW): Verdict {
  try {
    const { localId, content } = partnerDomain.parsePartnerInitiative(body);
    return { ok: true, snapshot: partnerDomain.firstVersion(PARTNER, localId, content, now) };
  } catch (err) {
    return refused(err);
  }
}

/** The content with the owner's `localId` in it, as a reporter sends it (a non-object is sent as it is). */
function withLocalId(content: unknown): unknown {
  if (!content || typeof content !== 'object' || Array.isArray(content)) return content;
  return JSON.parse(JSON.stringify({ localId: LOCAL_ID, ...(content as Record<string, unknown>) })) as unknown;
}

const problemSet = (v: Verdict) =>
  v.ok ? [] : [...new Set(v.details.filter((d) => d.field !== 'localId').map((d) => `${d.field} ${d.rule}`))].sort();

/** The snapshot's content, without what only the owner sets (id, reporting organisation). */
function contentPart(s: InitiativeSnapshot): Record<string, unknown> {
  const { initiativeId: _i, reportingOrg: _r, ...rest } = s;
  return rest as Record<string, unknown>;
}

/** The event an owner would publish for `snapshot`, built like the hub's / partner-liaison's outbox does. */
function hubEvent(type: InitiativeEventType, snapshot: InitiativeSnapshot) {
  return newEvent({
    source: EventSources.hub(HUB.region),
    type,
    subject: Subjects.hubInitiative(HUB.region, type),
    about: snapshot?.initiativeId,
    dataschema: INITIATIVE_SCHEMA,
    time: snapshot?.lastUpdatedAt,
    data: snapshot,
  });
}

function partnerEvent(type: InitiativeEventType, snapshot: InitiativeSnapshot) {
  return newEvent({
    source: EventSources.partner(PARTNER.code),
    type,
    subject: Subjects.partnerInitiative(PARTNER.code, type),
    about: snapshot?.initiativeId,
    dataschema: INITIATIVE_SCHEMA,
    time: snapshot?.lastUpdatedAt,
    data: snapshot,
  });
}

/** The platform's verdict on an event, as sent and after the JSON round trip of the bus. */
function platformVerdicts(
  event: { subject: string; envelope: CloudEvent<InitiativeSnapshot> },
  stored?: { version: number; withdrawn: boolean; status: InitiativeSnapshot['status'] },
): RuleVerdict[] {
  const now = LATER.getTime() + 1000;
  const wire = JSON.parse(JSON.stringify(event.envelope)) as CloudEvent<InitiativeSnapshot>;
  return [
    judgeInitiativeEvent(event.envelope, event.subject, stored, now),
    judgeInitiativeEvent(wire, event.subject, stored, now),
  ];
}

/** Arbitrary JSON whose keys include the prototype's, nested at any level. */
const arbitraryJson: fc.Arbitrary<unknown> = fc
  .letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(null, true, false, 0, -0, 1e308, -1, 0.5, ''),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.array(fc.tuple(jsonKey, tie('value')), { maxLength: 5 }).map((entries) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true });
        return o;
      }),
    ),
  }))
  .value.map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown);

/** Mostly-valid contents, arbitrary JSON, and valid contents with arbitrary JSON spliced in anywhere. */
const anyBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: mostlyValidContent },
  { weight: 1, arbitrary: prototypeKeyedContent },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: arbitraryJson },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validContent({ maxCountries: 5 }), mutation, arbitraryJson)
      .map(([c, m, v]) => JSON.parse(JSON.stringify(applyMutations(c, [{ ...m, value: v } as never]))) as unknown),
  },
);

describe('fuzz: one verdict for a content, everywhere (contract)', () => {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

  it('(a) hub and partner-liaison accept exactly the same contents and refuse them for the same fields and rules', () => {
    fc.assert(
      fc.property(anyBody.filter(isObject), (content) => {
        const body = withLocalId(content);
        const hub = hubReport(body);
        const partner = partnerReport(body);
        expect({ ok: hub.ok, problems: problemSet(hub) }).toEqual({ ok: partner.ok, problems: problemSet(partner) });
        if (hub.ok && partner.ok) expect(contentPart(hub.snapshot)).toEqual(contentPart(partner.snapshot));
        if (!hub.ok && !partner.ok) expect(hub.status).toBe(partner.status);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(a) hub and partner-liaison refuse a body that is not an object (array, string, number, null) alike', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), arbitraryJson).filter((v) => !isObject(v)),
        (body) => {
          const hub = hubReport(body);
          const partner = partnerReport(body);
          expect({ ok: hub.ok, problems: problemSet(hub) }).toEqual({ ok: partner.ok, problems: problemSet(partner) });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('(b) whatever an owner accepts, the platform applies: as version 1, after a JSON round trip, and as an update', () => {
    fc.assert(
      fc.property(
        fc.oneof(mostlyValidContent, validContent({ maxCountries: 249 })),
        fc.oneof(mostlyValidContent, validContent({ maxCountries: 20 })),
        (first, second) => {
          const body = withLocalId(first);
          const hub = hubReport(body);
          const partner = partnerReport(body);
          fc.pre(hub.ok || partner.ok);
          if (hub.ok) {
            for (const v of platformVerdicts(hubEvent(InitiativeEventType.Reported, hub.snapshot))) {
              expect(v).toEqual({ outcome: 'APPLY' });
            }
            let next: InitiativeSnapshot | undefined;
            try {
              next = hubDomain.nextVersion(hub.snapshot, hubDomain.parseContent(second), LATER);
            } catch (err) {
              refused(err);
            }
            if (next) {
              const stored = { version: 1, withdrawn: false, status: hub.snapshot.status };
              for (const v of platformVerdicts(hubEvent(InitiativeEventType.Updated, next), stored)) {
                expect(v).toEqual({ outcome: 'APPLY' });
              }
            }
          }
          if (partner.ok) {
            for (const v of platformVerdicts(partnerEvent(InitiativeEventType.Reported, partner.snapshot))) {
              expect(v).toEqual({ outcome: 'APPLY' });
            }
            let next: InitiativeSnapshot | undefined;
            try {
              const parsed = partnerDomain.parsePartnerInitiative(withLocalId(second));
              next = partnerDomain.nextVersion(partner.snapshot, parsed.content, LATER);
            } catch (err) {
              refused(err);
            }
            if (next) {
              const stored = { version: 1, withdrawn: false, status: partner.snapshot.status };
              for (const v of platformVerdicts(partnerEvent(InitiativeEventType.Updated, next), stored)) {
                expect(v).toEqual({ outcome: 'APPLY' });
              }
            }
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('(c) every refusal carries at least one detail, each with a non-empty field and rule', () => {
    fc.assert(
      fc.property(anyBody, (content) => {
        for (const v of [hubReport(withLocalId(content)), partnerReport(withLocalId(content))]) {
          if (v.ok) continue;
          expect(v.details.length).toBeGreaterThan(0);
          for (const d of v.details) {
            expect(typeof d.field === 'string' && d.field.length > 0).toBe(true);
            expect(typeof d.rule === 'string' && d.rule.length > 0).toBe(true);
          }
          expect([400, 422]).toContain(v.status);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(d) no JSON input makes an owner or the consumer rule throw anything but a domain error', () => {
    fc.assert(
      fc.property(fc.oneof(arbitraryJson, fc.jsonValue({ maxDepth: 6 }), mostlyValidContent), (value) => {
        // refused() rethrows anything that is not a domain error (TypeError, RangeError, …): the property fails.
        hubReport(value);
        partnerReport(value);
        hubReport(withLocalId(value));
        partnerReport(withLocalId(value));
        // The consumer, given an event whose data is that value (under a well-formed envelope, and as the data of a
        // snapshot that looks right at first sight), decides without throwing.
        const data =
          value && typeof value === 'object' && !Array.isArray(value)
            ? { initiativeId: 'IP-HUB-EUR-x', reportingOrg: { ref: 'IP-HUB-EUR' }, version: 1, ...value }
            : value;
        const event = hubEvent(InitiativeEventType.Reported, data as InitiativeSnapshot);
        event.envelope.subject = 'IP-HUB-EUR-x';
        for (const v of platformVerdicts(event)) {
          expect(['APPLY', 'IGNORED', 'REJECTED']).toContain(v.outcome);
          if (v.outcome === 'REJECTED') expect(v.detail.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(d) deeply nested JSON (2,000 levels) in any field is refused as a domain error, not a RangeError', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 2000; i++) deep = { a: deep };
    for (const field of ['title', 'dates', 'participatingOrgs', 'extra', '__proto__']) {
      const content = JSON.parse(
        `{"localId":"deep","kind":"TRN","title":{"lang":"en","text":"t"},"${field}":${JSON.stringify(deep)}}`,
      ) as unknown;
      const hub = hubReport(content);
      const partner = partnerReport(content);
      expect(hub.ok).toBe(false);
      expect(partner.ok).toBe(false);
      expect(problemSet(hub)).toEqual(problemSet(partner));
    }
  });
});
