import fc from 'fast-check';
import { headers as natsHeaders, MsgHdrs } from '@nats-io/nats-core';
import {
  CloudEvent,
  EventSources,
  INITIATIVE_SCHEMA,
  INITIATIVE_WITHDRAWAL_SCHEMA,
  InitiativeEventType,
  InitiativeSnapshot,
  InitiativeWithdrawal,
  isWithdrawalTombstone,
  judgeInitiativeEvent,
  RegistryState,
  RuleVerdict,
  Subjects,
  withdrawnSnapshotOf,
} from '@ctp/contracts';
import { decodeEnvelope, newEvent, PermanentEventError } from '@ctp/messaging';
import * as hubDomain from '../../apps/hub/src/initiatives/domain/hub-initiative';
import { InitiativeError } from '../../apps/hub/src/initiatives/domain/initiative-errors';
import * as partnerDomain from '../../apps/partner-liaison/src/partners/domain/partner-initiative';
import { PartnerError } from '../../apps/partner-liaison/src/partners/domain/partner-errors';
import {
  applyMutations,
  defineOwn,
  FUZZ_NOW,
  jsonKey,
  mostlyValidContent,
  mutation,
  prototypeKeyedContent,
  safeText,
  validContent,
} from '../support/fuzz-support';
import { percentEncode } from '../support/jetstream';

/*
 * Property-based tests of the contract's one verdict (issue #13), in process: the hub's and partner-liaison's owner
 * paths judge the same content alike, whatever an owner accepts the platform's consumer rule applies, every refusal
 * names a field and a rule, and no input makes them throw anything but their domain errors. Every event is judged as
 * the consumer receives it in both CloudEvents content modes (#17: structured, and binary with `ce-` headers decoded
 * by the consumers' one decoder), and withdrawals come as whole snapshots and as tombstones (#17).
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
function hubEvent(type: InitiativeEventType, snapshot: EventData, region: 'eur' | 'afr' = HUB.region) {
  return newEvent<EventData>({
    source: EventSources.hub(region),
    type,
    subject: Subjects.hubInitiative(region, type),
    about: snapshot?.initiativeId,
    dataschema:
      type === InitiativeEventType.Withdrawn && isWithdrawalTombstone(snapshot)
        ? INITIATIVE_WITHDRAWAL_SCHEMA
        : INITIATIVE_SCHEMA,
    time: snapshot?.lastUpdatedAt,
    data: snapshot,
  });
}

/** A withdrawal of `held` at `version`, as a whole snapshot or as a tombstone (with or without `withdrawnAt`). */
type WithdrawalForm = 'snapshot' | 'tombstone' | 'tombstone without withdrawnAt';
const withdrawalForm: fc.Arbitrary<WithdrawalForm> = fc.constantFrom(
  'snapshot',
  'tombstone',
  'tombstone without withdrawnAt',
);

function withdrawal(held: InitiativeSnapshot, reason: string, version: number, form: WithdrawalForm): EventData {
  const full = { ...hubDomain.withdrawnVersion(held, reason, LATER), version };
  if (form === 'snapshot') return full;
  const { initiativeId, reportingOrg, lastUpdatedAt, withdrawal: w } = full;
  return {
    initiativeId,
    reportingOrg,
    version,
    lastUpdatedAt,
    withdrawal: form === 'tombstone' ? w! : { reason: w!.reason },
  };
}

/** Reasons a hub accepts (safe text, not blank). */
const withdrawalReason = safeText(60);

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

type EventData = InitiativeSnapshot | InitiativeWithdrawal;

/** One message as a consumer receives it: its body and headers. */
interface WireMessage {
  mode: string;
  data: Uint8Array;
  headers?: MsgHdrs;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * The messages that carry `envelope`, as the CloudEvents NATS binding allows them: structured mode, with and without
 * its Content-Type (the envelope as the body), and binary mode (every attribute but `data` as a percent-encoded `ce-`
 * header, the data alone as the body), as another system's plain NATS client sends it.
 */
function wireForms(envelope: CloudEvent<unknown>): WireMessage[] {
  const body = utf8(JSON.stringify(envelope));
  const structured = natsHeaders();
  structured.set('Content-Type', 'application/cloudevents+json');
  const binary = natsHeaders();
  for (const [name, value] of Object.entries(envelope)) {
    // A header is text: an attribute that is not a string (only a broken producer's) goes as its JSON.
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (name !== 'data' && text !== undefined) binary.set(`ce-${name}`, percentEncode(text));
  }
  return [
    { mode: 'structured', data: body, headers: structured },
    { mode: 'structured, no Content-Type', data: body },
    { mode: 'binary', data: utf8(JSON.stringify(envelope.data) ?? ''), headers: binary },
  ];
}

/** The consumer's decoder, then its rules: the verdict, or the dead letter's reason when it cannot decode the message. */
function received(
  message: WireMessage,
  arrivedOn: string,
  stored: RegistryState | undefined,
  now: number,
): RuleVerdict | { outcome: 'DEAD_LETTER'; reason: string } {
  let decoded: CloudEvent<EventData>;
  try {
    decoded = decodeEnvelope(message.data, message.headers) as CloudEvent<EventData>;
  } catch (err) {
    if (err instanceof PermanentEventError) return { outcome: 'DEAD_LETTER', reason: err.reason };
    throw err;
  }
  return judgeInitiativeEvent(decoded, arrivedOn, stored, now);
}

/**
 * The platform's verdict on an event: as sent, after the JSON round trip of the bus, and received in each content
 * mode. The modes never disagree: a binary-mode event is the same event (checked here for every event the properties
 * make), so only the first verdict of each kind needs looking at.
 */
function platformVerdicts(
  event: { subject: string; envelope: CloudEvent<EventData> },
  stored?: RegistryState,
): RuleVerdict[] {
  const now = LATER.getTime() + 1000;
  const wire = JSON.parse(JSON.stringify(event.envelope)) as CloudEvent<EventData>;
  const verdicts = [
    judgeInitiativeEvent(event.envelope, event.subject, stored, now),
    judgeInitiativeEvent(wire, event.subject, stored, now),
  ];
  const forms = wireForms(event.envelope).map((m) => [m.mode, received(m, event.subject, stored, now)] as const);
  const [, first] = forms[0];
  for (const [mode, verdict] of forms) expect([mode, verdict]).toEqual([mode, first]);
  // An envelope the decoder takes is judged as the in-process one is (the decoder refuses what is not an envelope).
  if (first.outcome !== 'DEAD_LETTER') verdicts.push(first);
  return verdicts;
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

  it('(b) whatever an owner accepts, the platform applies: as version 1, after a JSON round trip, as an update, and its withdrawal (snapshot or tombstone), in both content modes', () => {
    fc.assert(
      fc.property(
        fc.oneof(mostlyValidContent, validContent({ maxCountries: 249 })),
        fc.oneof(mostlyValidContent, validContent({ maxCountries: 20 })),
        withdrawalReason,
        withdrawalForm,
        (first, second, reason, form) => {
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
            const held = next ?? hub.snapshot;
            const gone = withdrawal(held, reason, held.version + 1, form);
            const stored = { version: held.version, withdrawn: false, status: held.status };
            for (const v of platformVerdicts(hubEvent(InitiativeEventType.Withdrawn, gone), stored)) {
              expect(v).toEqual({ outcome: 'APPLY' });
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
  it('(e) a withdrawal as a tombstone is judged as the whole snapshot is, under every stored state: stale, withdrawn, applied', () => {
    fc.assert(
      fc.property(
        validContent({ maxCountries: 20 }),
        withdrawalReason,
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.record({ version: fc.integer({ min: 1, max: 5 }), withdrawn: fc.boolean() }), { nil: undefined }),
        (content, reason, version, stored) => {
          const held = hubReport(withLocalId(content));
          fc.pre(held.ok);
          const snapshot = (held as { snapshot: InitiativeSnapshot }).snapshot;
          const expected: RuleVerdict =
            stored && version <= stored.version
              ? { outcome: 'IGNORED', reason: 'STALE_VERSION' }
              : stored?.withdrawn
                ? expect.objectContaining({ outcome: 'REJECTED', reason: 'WITHDRAWN' })
                : { outcome: 'APPLY' };
          for (const form of ['snapshot', 'tombstone', 'tombstone without withdrawnAt'] as const) {
            const data = withdrawal(snapshot, reason, version, form);
            for (const v of platformVerdicts(hubEvent(InitiativeEventType.Withdrawn, data), stored)) {
              expect([form, v]).toEqual([form, expected]);
            }
            // Applied over the record held, a tombstone makes the record the whole-snapshot withdrawal would.
            const whole = withdrawal(snapshot, reason, version, 'snapshot') as InitiativeSnapshot;
            expect([form, withdrawnSnapshotOf(data, snapshot)]).toEqual([form, whole]);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('(f) a tombstone from a source that does not own the record is refused for ownership, in both content modes', () => {
    const spoofs = [
      [
        'another hub, on its own subject',
        (t: InitiativeWithdrawal) => hubEvent(InitiativeEventType.Withdrawn, t, 'afr'),
      ],
      [
        'another organisation named as reporter',
        (t: InitiativeWithdrawal) =>
          hubEvent(InitiativeEventType.Withdrawn, { ...t, reportingOrg: { ...t.reportingOrg, ref: 'IP-HUB-AFR' } }),
      ],
      [
        'a subject that is not the record',
        (t: InitiativeWithdrawal) => {
          const e = hubEvent(InitiativeEventType.Withdrawn, t);
          e.envelope.subject = `${t.initiativeId}-other`;
          return e;
        },
      ],
      [
        'on the subject of another event type',
        (t: InitiativeWithdrawal) => ({
          ...hubEvent(InitiativeEventType.Withdrawn, t),
          subject: Subjects.hubInitiative(HUB.region, InitiativeEventType.Updated),
        }),
      ],
    ] as const;
    fc.assert(
      fc.property(
        validContent({ maxCountries: 5 }),
        withdrawalReason,
        fc.constantFrom(...spoofs),
        fc.option(fc.record({ version: fc.constant(1), withdrawn: fc.boolean() }), { nil: undefined }),
        (content, reason, [what, spoof], stored) => {
          const held = hubReport(withLocalId(content));
          fc.pre(held.ok);
          const snapshot = (held as { snapshot: InitiativeSnapshot }).snapshot;
          const tombstone = withdrawal(snapshot, reason, 2, 'tombstone') as InitiativeWithdrawal;
          for (const v of platformVerdicts(spoof(tombstone), stored)) {
            expect([what, v]).toEqual([
              what,
              expect.objectContaining({ outcome: 'REJECTED', reason: 'OWNERSHIP_VIOLATION' }),
            ]);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('(g) a tombstone with anything added or changed is decided without throwing; one with a key it does not know is refused', () => {
    const mutationOfTombstone = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(undefined, 'withdrawal', 'reportingOrg'),
          fc.oneof(jsonKey, fc.constant('')),
          arbitraryJson,
        )
        .map(([where, key, value]) => ({ kind: 'add' as const, where, key, value })),
      fc
        .tuple(
          fc.constantFrom<[string] | [string, string]>(
            ['initiativeId'],
            ['version'],
            ['lastUpdatedAt'],
            ['reportingOrg'],
            ['withdrawal'],
            ['withdrawal', 'reason'],
            ['withdrawal', 'withdrawnAt'],
            ['reportingOrg', 'ref'],
          ),
          arbitraryJson,
        )
        .map(([path, value]) => ({ kind: 'replace' as const, path, value })),
    );
    fc.assert(
      fc.property(validContent({ maxCountries: 5 }), withdrawalReason, mutationOfTombstone, (content, reason, m) => {
        const held = hubReport(withLocalId(content));
        fc.pre(held.ok);
        const snapshot = (held as { snapshot: InitiativeSnapshot }).snapshot;
        const tombstone = JSON.parse(JSON.stringify(withdrawal(snapshot, reason, 2, 'tombstone'))) as Record<
          string,
          Record<string, unknown>
        >;
        let unknownKey = false;
        if (m.kind === 'add') {
          const container = m.where ? tombstone[m.where] : (tombstone as Record<string, unknown>);
          fc.pre(!Object.hasOwn(container, m.key));
          defineOwn(container, m.key, m.value);
          unknownKey = true;
        } else if (m.path.length === 1) {
          (tombstone as Record<string, unknown>)[m.path[0]] = m.value;
        } else {
          tombstone[m.path[0]][m.path[1]] = m.value;
        }
        const data = JSON.parse(JSON.stringify(tombstone)) as InitiativeWithdrawal;
        for (const v of platformVerdicts(hubEvent(InitiativeEventType.Withdrawn, data), {
          version: 1,
          withdrawn: false,
        })) {
          expect(['APPLY', 'IGNORED', 'REJECTED']).toContain(v.outcome);
          if (v.outcome === 'REJECTED') expect(v.detail.length).toBeGreaterThan(0);
          // A key the tombstone does not have, at its root or in withdrawal or reportingOrg: never applied.
          if (unknownKey) expect([m, v.outcome]).toEqual([m, 'REJECTED']);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(h) any attribute value survives binary mode: percent-encoded in a ce- header, decoded to the same envelope', () => {
    const attribute = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .filter((v) => !/[\uD800-\uDFFF]/u.test(v) && v.length > 0);
    fc.assert(
      fc.property(
        validContent({ maxCountries: 3 }),
        attribute,
        attribute,
        fc.constantFrom(...Object.values(InitiativeEventType)),
        (content, correlationid, extension, type) => {
          const held = hubReport(withLocalId(content));
          fc.pre(held.ok);
          const event = hubEvent(type, (held as { snapshot: InitiativeSnapshot }).snapshot);
          const envelope = { ...event.envelope, correlationid, ctpextension: extension };
          const [structured, , binary] = wireForms(envelope);
          const fromBinary = decodeEnvelope(binary.data, binary.headers);
          expect(fromBinary).toEqual(decodeEnvelope(structured.data, structured.headers));
          expect(fromBinary).toEqual(JSON.parse(JSON.stringify(envelope)));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
