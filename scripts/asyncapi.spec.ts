import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import * as ts from 'typescript';
import {
  asyncApiChannelPatterns,
  asyncApiDocument,
  asyncApiExamples,
  CloudEvent,
  contentShapeProblems,
  contractSchemas,
  DeadLetterViewV1,
  digestSubjectOf,
  ErrorBodyV1,
  EventSources,
  HUB_REGIONS,
  HubRegion,
  INITIATIVE_EVENT_TYPES,
  InitiativeSnapshot,
  IntakeSubjects,
  JetStreamNames,
  judgeInitiativeEvent,
  OVERLAP_CLASSIFICATIONS,
  OVERLAP_DECISIONS,
  PlatformEventType,
  subjectForSource,
  Subjects,
  SYNC_DIGEST_TYPE,
  syncKeyOf,
  SyncSubjects,
} from '@ctp/contracts';
import {
  ConsumerBinding,
  DEFAULT_TOPOLOGY,
  DeadLetterHeaders,
  inboxPrefixOf,
  NATS_IDENTITIES,
  natsPermissions,
  streamConfigs,
} from '@ctp/messaging';
import type { ErrorBody } from '@ctp/observability';
import { INTAKE_UPSERT_TYPE, intakeBinding, intakeStream } from '../apps/hub/src/initiatives/messaging/intake-subjects';
import { LIAISON_CONSUMERS } from '../apps/partner-liaison/src/liaison-consumers';
import { readOverlapEvent } from '../apps/partner-liaison/src/outbound/domain/notices';
import type { Classification } from '../apps/platform/src/overlaps/domain/pair-matcher';
import type { OverlapRepository } from '../apps/platform/src/overlaps/persistence/overlap.repository';
import { PLATFORM_CONSUMERS } from '../apps/platform/src/platform-consumers';
import { ASYNCAPI_PATH, renderAsyncApi, repoRoot } from './asyncapi';
import type { DeadLetterView } from './dlq';

/*
 * The AsyncAPI document against everything it describes: the committed file against its generator, the AsyncAPI
 * parser, the examples against the schemas and the consumers' own rules, the channels against every subject the code
 * publishes, reads or subscribes to (builders, stream configs, consumer filters, subscriptions, and a scan of the
 * source for subject strings), the identities against the NATS permissions.
 */

// Types the document names, against the code's (checked by `npm run lint`'s tsc; ts-jest does not type-check).
type Extends<A, B> = [A] extends [B] ? true : false;
type Same<A, B> = Extends<A, B> extends true ? Extends<B, A> : false;
type Assert<T extends true> = T;
export type _TypesChecked = [
  Assert<Same<Classification, (typeof OVERLAP_CLASSIFICATIONS)[number]>>,
  Assert<Same<Parameters<OverlapRepository['decide']>[2], (typeof OVERLAP_DECISIONS)[number]>>,
  Assert<Same<ErrorBody, ErrorBodyV1>>,
  Assert<Same<DeadLetterView, DeadLetterViewV1>>,
];

const ROOT = repoRoot();
const PARTNERS = ['unodc', 'osce'];
const DLQ = JetStreamNames.deadLetterSubjectPrefix;
const REDRIVE_SUBJECT = `${DLQ}._redriven`;
const SERVICE_BINDINGS: (ConsumerBinding & { identity: string })[] = [
  ...PLATFORM_CONSUMERS.map((b) => ({ ...b, identity: 'platform' })),
  ...LIAISON_CONSUMERS.map((b) => ({ ...b, identity: 'partner-liaison' })),
  ...HUB_REGIONS.map((r) => ({ ...intakeBinding(r), identity: `hub-${r}` })),
];

/** What a template's substitution (`${…}`) becomes in the text scanned: any text. */
const SUB = '\uFFFC';

/** NATS subject matching: `*` one token, `>` one or more at the end. */
function natsMatch(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/**
 * A subject pattern as a regular expression: NATS wildcards, `SUB` for a template's substitution (any text), and a
 * trailing `.` for a prefix (what subjects starting with it).
 */
function patternRegExp(pattern: string): RegExp {
  const tokens = (pattern.endsWith('.') ? `${pattern}>` : pattern).split('.').map((t) => {
    if (t === '>') return '.+';
    if (t === '*') return '[^.]+';
    return t
      .split(SUB)
      .map((part) => part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'))
      .join('.+');
  });
  return new RegExp(`^${tokens.join('\\.')}$`);
}

/* ------------------------------------------------------------------------------------------------------------------
 * What the code publishes, reads and subscribes to
 * ---------------------------------------------------------------------------------------------------------------- */

interface Use {
  subject: string;
  /** Where it comes from, for messages. */
  via: string;
}

/** Every concrete subject a CTP process publishes on (each region, two partner codes). */
function publishedSubjects(): Use[] {
  const out: Use[] = [];
  for (const r of HUB_REGIONS) {
    for (const t of INITIATIVE_EVENT_TYPES) {
      out.push({ subject: Subjects.hubInitiative(r, t), via: `Subjects.hubInitiative(${r}, ${t})` });
      out.push({ subject: subjectForSource(EventSources.hub(r), t)!, via: `subjectForSource(hub ${r}, ${t})` });
    }
    out.push({ subject: SyncSubjects.hubDigest(r), via: `SyncSubjects.hubDigest(${r})` });
    out.push({ subject: digestSubjectOf(EventSources.hub(r))!, via: `digestSubjectOf(hub ${r})` });
    out.push({ subject: IntakeSubjects.upsert(r), via: `IntakeSubjects.upsert(${r})` });
    out.push({ subject: IntakeSubjects.submit(r), via: `IntakeSubjects.submit(${r})` });
    out.push({ subject: IntakeSubjects.withdraw(r), via: `IntakeSubjects.withdraw(${r})` });
    for (const op of ['buckets', 'list', 'resend'] as const) {
      out.push({ subject: SyncSubjects[op](syncKeyOf(EventSources.hub(r))!), via: `SyncSubjects.${op}(hub.${r})` });
    }
  }
  for (const code of PARTNERS) {
    for (const t of INITIATIVE_EVENT_TYPES) {
      out.push({ subject: Subjects.partnerInitiative(code, t), via: `Subjects.partnerInitiative(${code}, ${t})` });
      out.push({
        subject: subjectForSource(EventSources.partner(code), t)!,
        via: `subjectForSource(partner ${code}, ${t})`,
      });
    }
    out.push({ subject: SyncSubjects.partnerDigest(code), via: `SyncSubjects.partnerDigest(${code})` });
    out.push({ subject: digestSubjectOf(EventSources.partner(code))!, via: `digestSubjectOf(partner ${code})` });
    for (const op of ['buckets', 'list', 'resend'] as const) {
      const key = syncKeyOf(EventSources.partner(code))!;
      out.push({ subject: SyncSubjects[op](key), via: `SyncSubjects.${op}(${key})` });
    }
  }
  for (const t of Object.values(PlatformEventType)) {
    out.push({ subject: Subjects.platformEvent(t), via: `Subjects.platformEvent(${t})` });
  }
  // Dead letters: `<prefix>.<durable>.<the subject it was delivered on>` (libs/messaging dead-letters.ts).
  const events = out.filter((u) => !u.subject.startsWith('ctp-'));
  const intake = out.filter((u) => u.subject.startsWith('ctp-intake.'));
  for (const b of SERVICE_BINDINGS) {
    for (const u of [...events, ...intake].filter((e) => natsMatch(b.filterSubject, e.subject))) {
      out.push({ subject: `${DLQ}.${b.durable}.${u.subject}`, via: `DeadLetters.send(${b.durable}, ${u.subject})` });
    }
  }
  out.push({ subject: REDRIVE_SUBJECT, via: 'npm run dlq -- redrive' });
  return out;
}

/** Every pattern the code reads or subscribes with: stream subjects, consumer filters, core subscriptions. */
function readPatterns(): Use[] {
  const out: Use[] = [];
  for (const s of [...streamConfigs(DEFAULT_TOPOLOGY), intakeStream(1)]) {
    for (const subject of s.subjects ?? []) out.push({ subject, via: `stream ${s.name}` });
  }
  for (const b of SERVICE_BINDINGS) out.push({ subject: b.filterSubject, via: `durable ${b.durable}` });
  for (const r of HUB_REGIONS) {
    out.push({ subject: IntakeSubjects.upsert(r), via: `hub-${r} intake responder` });
    out.push({ subject: IntakeSubjects.withdraw(r), via: `hub-${r} intake responder` });
    for (const op of ['buckets', 'list', 'resend'] as const) {
      out.push({ subject: SyncSubjects[op](`hub.${r}`), via: `hub-${r} SyncSource (requestKeys hub.${r})` });
    }
  }
  for (const op of ['buckets', 'list', 'resend'] as const) {
    out.push({ subject: SyncSubjects[op]('partner.*'), via: 'partner-liaison SyncSource (requestKeys partner.*)' });
  }
  return out;
}

/** A string or template in the source that looks like a subject: its text, `SUB` for each substitution. */
interface Found {
  file: string;
  text: string;
}

/** CTP's subjects are lower case (partner codes are lowered): `ctp.httpLogged`, a symbol's name, is not one. */
const SUBJECT_LIKE = new RegExp(`^(ctp|ctp-intake|ctp-sync|ctpdlq)\\.[a-z0-9_.*>${SUB}-]*$`);
/** Substitutions that are constants: what they stand for. */
const KNOWN_SUBSTITUTIONS: Record<string, string> = {
  'JetStreamNames.deadLetterSubjectPrefix': DLQ,
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'console') continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(name) && !/\.(spec|test)\.ts$/.test(name)) out.push(path);
  }
  return out;
}

/** Subject-like strings and templates in the services', libraries', scripts' and examples' sources. */
function scanSources(): { subjects: Found[]; requestKeys: Found[] } {
  const subjects: Found[] = [];
  const requestKeys: Found[] = [];
  const files = ['apps', 'libs', 'scripts', 'examples'].flatMap((d) => sourceFiles(join(ROOT, d)));
  for (const path of files) {
    const file = relative(ROOT, path);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const textOf = (node: ts.Node): string | undefined => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
      if (ts.isTemplateExpression(node)) {
        return (
          node.head.text +
          node.templateSpans
            .map((s) => (KNOWN_SUBSTITUTIONS[s.expression.getText(source)] ?? SUB) + s.literal.text)
            .join('')
        );
      }
      return undefined;
    };
    const visit = (node: ts.Node): void => {
      const text = textOf(node);
      if (text !== undefined) {
        if (SUBJECT_LIKE.test(text)) subjects.push({ file, text });
        return;
      }
      if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'requestKeys') {
        const value = textOf(node.initializer);
        if (value !== undefined) requestKeys.push({ file, text: value });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { subjects, requestKeys };
}

/** Event type names (not subjects) that look like subjects. */
const EVENT_TYPES = new Set<string>([
  ...INITIATIVE_EVENT_TYPES,
  ...Object.values(PlatformEventType),
  SYNC_DIGEST_TYPE,
  INTAKE_UPSERT_TYPE,
]);

/* ------------------------------------------------------------------------------------------------------------------
 * The document's side
 * ---------------------------------------------------------------------------------------------------------------- */

const doc = asyncApiDocument() as {
  channels: Record<string, { address: string | null; messages: Record<string, unknown>; parameters?: object }>;
  operations: Record<
    string,
    {
      action: 'send' | 'receive';
      channel: { $ref: string };
      reply?: { channel: { $ref: string } };
      'x-ctp-identity': string;
      'x-ctp-consumer'?: { stream: string; durable: string; filterSubject: string };
      'x-ctp-queue-group'?: string;
    }
  >;
  components: { schemas: Record<string, unknown>; messages: Record<string, { payload: unknown; headers?: unknown }> };
};
const channelPatterns = asyncApiChannelPatterns();
const refName = (ref: { $ref: string }) => ref.$ref.split('/').pop()!;

/** The channels whose address a subject is on. */
function channelsOf(subject: string): string[] {
  return channelPatterns.filter((c) => c.pattern?.test(subject)).map((c) => c.id);
}

/** Each channel's concrete subjects among those the code publishes, with the region they are about (if any). */
function samplesOf(channelId: string): { subject: string; region?: HubRegion }[] {
  const pattern = channelPatterns.find((c) => c.id === channelId)!.pattern!;
  const subjects = [...new Set(publishedSubjects().map((u) => u.subject))].filter((s) => pattern.test(s));
  return subjects.map((subject) => ({
    subject,
    region: HUB_REGIONS.find((r) => new RegExp(`(^|\\.|-)${r}(\\.|-)`).test(subject.replace(/^ctpdlq\.[^.]+\./, ''))),
  }));
}

function allows(list: { allow: string[]; deny: string[] }, subject: string): boolean {
  return list.allow.some((p) => natsMatch(p, subject)) && !list.deny.some((p) => natsMatch(p, subject));
}

const SERVICE_IDENTITIES = NATS_IDENTITIES.filter((i) => i !== 'admin');

/* ------------------------------------------------------------------------------------------------------------------ */

describe('the AsyncAPI document (libs/contracts/asyncapi.yaml)', () => {
  it('is what `npm run contracts:schema` generates from libs/contracts (run it after changing the contract)', () => {
    expect(readFileSync(ASYNCAPI_PATH, 'utf8')).toBe(renderAsyncApi());
  });

  it('is a valid AsyncAPI 3.0 document for @asyncapi/parser: no error, no warning', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_PATH, 'utf8'));
    // Severity 0 error, 1 warning; 2 and 3 are information and hints (e.g. "3.1.0 exists": this is a 3.0 document).
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} ${d.message} ${d.path.join('.')}`)).toEqual(
      [],
    );
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().length).toBe(Object.keys(doc.channels).length);
    expect(document?.operations().length).toBe(Object.keys(doc.operations).length);
    for (const op of document!.operations()) {
      expect([op.id(), op.channels().length]).toEqual([op.id(), 1]);
      expect([op.id(), op.messages().length > 0]).toEqual([op.id(), true]);
    }
  }, 60_000);

  describe('its examples', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const schemas = { ...contractSchemas('#/components/schemas/'), ...doc.components.schemas };
    const validatorOf = (schema: unknown) => ajv.compile({ ...(schema as object), components: { schemas } });
    const examples = asyncApiExamples();

    it.each(examples.map((e) => [e.message, e.example.name, e]))(
      '%s %s: payload and headers valid against the message’s schemas',
      (_m, _n, { message, example }) => {
        const m = doc.components.messages[message];
        const payload = validatorOf(m.payload);
        expect(payload(example.payload) ? [] : payload.errors).toEqual([]);
        if (m.headers) {
          const headers = validatorOf(m.headers);
          expect(headers(example.headers ?? {}) ? [] : headers.errors).toEqual([]);
        }
      },
    );

    it('are each on a channel of their message (replies: on the asking identity’s inbox)', () => {
      for (const { message, example } of examples) {
        const channels = Object.entries(doc.channels).filter(([, c]) => message in c.messages);
        expect([message, channels.length > 0]).toEqual([message, true]);
        const onAddress = channels.filter(([id]) => channelsOf(example.subject).includes(id));
        const onInbox = channels.some(([, c]) => c.address === null) && example.subject.startsWith('_INBOX.');
        expect([message, example.subject, onAddress.length === 1 || onInbox]).toEqual([message, example.subject, true]);
      }
    });

    it('initiative events are applied by the consumer rules, in order', () => {
      const now = Date.parse('2026-10-07T00:00:00Z');
      const stored = new Map<string, { version: number; withdrawn: boolean; status: InitiativeSnapshot['status'] }>();
      const events = examples.filter((e) => e.message.startsWith('initiative'));
      expect(events.length).toBeGreaterThanOrEqual(4);
      for (const { example } of events) {
        const event = example.payload as CloudEvent<InitiativeSnapshot>;
        const verdict = judgeInitiativeEvent(event, example.subject, stored.get(event.subject!), now);
        expect([example.name, verdict]).toEqual([example.name, { outcome: 'APPLY' }]);
        const s = event.data;
        stored.set(s.initiativeId, { version: s.version, withdrawn: Boolean(s.withdrawal), status: s.status });
      }
    });

    it('overlap events are accepted by partner-liaison, digests by the platform’s ownership check', () => {
      for (const { message, example } of examples) {
        const event = example.payload as CloudEvent<{ source?: string }>;
        if (message.startsWith('overlap')) {
          expect([example.name, readOverlapEvent(event, example.subject).outcome]).toEqual([example.name, 'APPLY']);
        }
        if (message === 'syncDigest') {
          expect(digestSubjectOf(event.source)).toBe(example.subject);
          expect(event.data.source).toBe(event.source);
        }
      }
    });

    it('intake bodies pass the hub’s content checks', () => {
      for (const { message, example } of examples.filter((e) => e.message.startsWith('intakeUpsertRequest'))) {
        const p = example.payload as Record<string, unknown>;
        const body = ('pattern' in p ? p.data : p) as Record<string, unknown>;
        const { localId: _l, expectedVersion: _e, ...content } = body;
        expect([message, example.name, contentShapeProblems(content)]).toEqual([message, example.name, []]);
      }
    });
  });

  describe('its channels are the subjects the code uses, and no other', () => {
    const published = publishedSubjects();

    it('every subject the code publishes is on exactly one channel', () => {
      const wrong = published
        .map((u) => ({ ...u, channels: channelsOf(u.subject) }))
        .filter((u) => u.channels.length !== 1);
      expect(wrong).toEqual([]);
    });

    it('every channel with an address is one the code publishes on', () => {
      const used = new Set(published.flatMap((u) => channelsOf(u.subject)));
      const unused = channelPatterns.filter((c) => c.address !== null && !used.has(c.id)).map((c) => c.id);
      expect(unused).toEqual([]);
    });

    it('channels without an address are inboxes, used only as replies', () => {
      const replies = new Set(
        Object.values(doc.operations).flatMap((o) => (o.reply ? [refName(o.reply.channel)] : [])),
      );
      const inboxes = channelPatterns.filter((c) => c.address === null).map((c) => c.id);
      expect(inboxes.sort()).toEqual([...replies].sort());
      for (const o of Object.values(doc.operations)) expect(inboxes).not.toContain(refName(o.channel));
    });

    it('every stream, consumer filter and subscription reads documented channels', () => {
      const samples = published.map((u) => u.subject);
      const readsNothing = readPatterns().filter((p) => !samples.some((s) => natsMatch(p.subject, s)));
      expect(readsNothing).toEqual([]);
    });

    it('each channel is captured by the stream it names, and core request/reply by none', () => {
      const streams = [...streamConfigs(DEFAULT_TOPOLOGY), intakeStream(1)];
      for (const c of channelPatterns.filter((p) => p.address !== null)) {
        for (const { subject } of samplesOf(c.id)) {
          const capturing = streams
            .filter((s) => (s.subjects ?? []).some((p) => natsMatch(p, subject)))
            .map((s) => s.name);
          expect([c.id, subject, capturing]).toEqual([c.id, subject, c.stream ? [c.stream] : []]);
        }
      }
    });

    it('every subject-like string in the source is a documented subject or pattern, or an event type', () => {
      const { subjects } = scanSources();
      expect(subjects.length).toBeGreaterThan(10);
      const samples = [...new Set(published.map((u) => u.subject))];
      const undocumented = subjects.filter(({ text }) => {
        if (EVENT_TYPES.has(text)) return false;
        const re = patternRegExp(text);
        return !samples.some((s) => re.test(s));
      });
      expect(undocumented).toEqual([]);
      // The re-drive records' subject is in the code (scripts/dlq.ts or libs/messaging), as the document says.
      expect(subjects.some((f) => f.text === REDRIVE_SUBJECT)).toBe(true);
    });

    it('the sync sources answer the request keys the document names', () => {
      const keys = scanSources()
        .requestKeys.map((f) => f.text)
        .sort();
      expect(keys).toEqual([`hub.${SUB}`, 'partner.*']);
    });

    it('every subject builder of the contracts is one the checks above enumerate', () => {
      // A new builder (a new subject) must be added to publishedSubjects()/readPatterns() and to the document.
      expect(Object.keys(Subjects).sort()).toEqual(
        [
          'all',
          'allHubs',
          'allOverlaps',
          'allPartners',
          'hubAll',
          'hubInitiative',
          'partnerInitiative',
          'platformAll',
          'platformEvent',
        ].sort(),
      );
      expect(Object.keys(SyncSubjects).sort()).toEqual(['buckets', 'hubDigest', 'list', 'partnerDigest', 'resend']);
      expect(Object.keys(IntakeSubjects).sort()).toEqual(['all', 'anySubmit', 'submit', 'upsert', 'withdraw']);
      for (const p of [
        Subjects.all,
        Subjects.allHubs,
        Subjects.allPartners,
        Subjects.allOverlaps,
        Subjects.platformAll,
      ])
        expect([p, published.some((u) => natsMatch(p, u.subject))]).toEqual([p, true]);
      for (const r of HUB_REGIONS) {
        for (const p of [Subjects.hubAll(r), IntakeSubjects.all(r), IntakeSubjects.anySubmit])
          expect([p, published.some((u) => natsMatch(p, u.subject))]).toEqual([p, true]);
      }
    });
  });

  describe('its identities are the NATS permissions', () => {
    const ops = Object.entries(doc.operations);
    const expand = (identity: string, region?: HubRegion) => (region ? identity.replace('{region}', region) : identity);

    it('every channel is published by exactly the service identities the server lets publish there', () => {
      for (const channelId of Object.keys(doc.channels).filter((id) => doc.channels[id].address !== null)) {
        const senders = ops.filter(([, o]) => o.action === 'send' && refName(o.channel) === channelId);
        for (const { subject, region } of samplesOf(channelId)) {
          const declared = senders.map(([, o]) => expand(o['x-ctp-identity'], region));
          for (const identity of declared) {
            expect([channelId, subject, identity, allows(natsPermissions(identity as never).publish, subject)]).toEqual(
              [channelId, subject, identity, true],
            );
          }
          const allowed = SERVICE_IDENTITIES.filter((i) => allows(natsPermissions(i).publish, subject));
          expect([channelId, subject, allowed.sort()]).toEqual([
            channelId,
            subject,
            declared.filter((i) => i !== 'admin').sort(),
          ]);
        }
      }
    });

    it('core subscriptions: exactly the service identities the server lets subscribe', () => {
      for (const channelId of Object.keys(doc.channels).filter((id) => doc.channels[id].address !== null)) {
        const receivers = ops.filter(([, o]) => o.action === 'receive' && refName(o.channel) === channelId);
        const core = receivers.filter(([, o]) => o['x-ctp-queue-group']);
        for (const { subject, region } of samplesOf(channelId)) {
          const declared = core.map(([, o]) => expand(o['x-ctp-identity'], region)).sort();
          const allowed = SERVICE_IDENTITIES.filter((i) => allows(natsPermissions(i).subscribe, subject)).sort();
          expect([channelId, subject, allowed]).toEqual([channelId, subject, declared]);
        }
      }
    });

    it('durable consumers: the code’s bindings (stream, filter), each read by the identity allowed to pull it', () => {
      const declared = new Map<
        string,
        { identity: string; stream: string; filterSubject: string; channels: Set<string> }
      >();
      for (const [, o] of ops) {
        const c = o['x-ctp-consumer'];
        if (!c) continue;
        const regions = c.durable.includes('{region}') ? HUB_REGIONS : [undefined];
        for (const r of regions) {
          const durable = expand(c.durable, r);
          const entry = declared.get(durable) ?? {
            identity: expand(o['x-ctp-identity'], r),
            stream: c.stream,
            filterSubject: expand(c.filterSubject, r),
            channels: new Set<string>(),
          };
          entry.channels.add(refName(o.channel));
          declared.set(durable, entry);
        }
      }
      expect([...declared.keys()].sort()).toEqual(SERVICE_BINDINGS.map((b) => b.durable).sort());
      for (const b of SERVICE_BINDINGS) {
        const d = declared.get(b.durable)!;
        expect({ durable: b.durable, identity: d.identity, stream: d.stream, filterSubject: d.filterSubject }).toEqual({
          durable: b.durable,
          identity: b.identity,
          stream: b.stream ?? JetStreamNames.eventsStream,
          filterSubject: b.filterSubject,
        });
        const pull = `$JS.API.CONSUMER.MSG.NEXT.${d.stream}.${b.durable}`;
        expect([b.durable, allows(natsPermissions(d.identity as never).publish, pull)]).toEqual([b.durable, true]);
        // The channels it reads: exactly those its filter matches.
        const matched = channelPatterns
          .filter((c) => c.address !== null && samplesOf(c.id).some((s) => natsMatch(b.filterSubject, s.subject)))
          .map((c) => c.id);
        expect([b.durable, [...d.channels].sort()]).toEqual([b.durable, [...new Set(matched)].sort()]);
      }
    });

    it('replies go into the asking identity’s inbox, where the responder may answer and the asker may read', () => {
      for (const [id, o] of ops.filter(([, op]) => op.action === 'receive' && op.reply)) {
        const channelId = refName(o.channel);
        const asker = ops.find(([, a]) => a.action === 'send' && refName(a.channel) === channelId)?.[1];
        expect([id, asker?.reply && refName(asker.reply.channel)]).toEqual([id, refName(o.reply!.channel)]);
        for (const { region } of samplesOf(channelId)) {
          const responder = expand(o['x-ctp-identity'], region);
          const requester = expand(asker!['x-ctp-identity'], region);
          const inbox = `${inboxPrefixOf(requester)}.Xk3bQ9mZcP1`;
          expect([id, responder, allows(natsPermissions(responder as never).publish, inbox)]).toEqual([
            id,
            responder,
            true,
          ]);
          expect([id, requester, allows(natsPermissions(requester as never).subscribe, inbox)]).toEqual([
            id,
            requester,
            true,
          ]);
        }
      }
    });

    it('the dead-letter headers are the ones the transport sets', () => {
      const schema = doc.components.schemas.DeadLetterHeaders as { properties: Record<string, unknown> };
      expect(
        Object.keys(schema.properties)
          .filter((h) => h !== 'Nats-Msg-Id')
          .sort(),
      ).toEqual(Object.values(DeadLetterHeaders).sort());
    });
  });
});
