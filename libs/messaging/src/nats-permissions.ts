import {
  DurableConsumers,
  HUB_REGIONS,
  HubRegion,
  IntakeSubjects,
  JetStreamNames,
  Subjects,
  SyncSubjects,
} from '@ctp/contracts';

/**
 * Who may do what on NATS: one user per service, one per regional hub system and `admin`. The server enforces these
 * lists on the subject itself; the consumers' own checks (an event's source must own its id and arrive on its own
 * subject) only catch mistakes, since an impostor would set both consistently. See docs/security.md.
 */
export type NatsIdentity = `hub-${HubRegion}` | 'platform' | 'partner-liaison' | `regional-${HubRegion}` | 'admin';

export const NATS_IDENTITIES: readonly NatsIdentity[] = [
  ...HUB_REGIONS.map((r) => `hub-${r}` as const),
  'platform',
  'partner-liaison',
  ...HUB_REGIONS.map((r) => `regional-${r}` as const),
  'admin',
];

export function isNatsIdentity(name: string): name is NatsIdentity {
  return (NATS_IDENTITIES as readonly string[]).includes(name);
}

export interface NatsPermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[]; deny: string[] };
}

/**
 * Denied to everyone, admin included. `$JS.API.ACCOUNT.>`: on nats-server 2.9.10 any user could purge an account's
 * JetStream with one request (CVE-2025-30215); `$JS.API.STREAM.RESTORE.>` (CVE-2026-33222); `$JS.API.SERVER.>` and
 * `$JS.API.META.>`: server and cluster-leader operations nobody here needs.
 */
export const DENIED_TO_EVERYONE = [
  '$JS.API.ACCOUNT.>',
  '$JS.API.SERVER.>',
  '$JS.API.META.>',
  '$JS.API.STREAM.RESTORE.>',
];

/**
 * Each identity receives replies (JetStream acknowledgements and API answers, pulled messages, request replies) on
 * its own inbox prefix, and may subscribe to nothing else there: with the default `_INBOX.>` anyone could read the
 * messages the platform pulls, restricted records included.
 */
export function inboxPrefixOf(identity: string): string {
  return `_INBOX.${identity}`;
}

/** What a reader of one durable consumer needs from the JetStream API: its info, pulling and acknowledging. */
function consumerReader(stream: string, durable: string): string[] {
  return [
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/**
 * A hub's start-up check: an ephemeral consumer named `hub-<region>-recovery` on the events stream, created only with a
 * filter on the hub's own initiative subjects (nats-server 2.9's create subject carries the filter), read without acks.
 */
function recoveryReader(region: HubRegion): string[] {
  const name = `hub-${region}-recovery`;
  return [
    `$JS.API.CONSUMER.CREATE.${EVENTS}.${name}.ctp.hub.${region}.initiative.>`,
    `$JS.API.CONSUMER.INFO.${EVENTS}.${name}`,
    `$JS.API.CONSUMER.MSG.NEXT.${EVENTS}.${name}`,
    `$JS.API.CONSUMER.DELETE.${EVENTS}.${name}`,
  ];
}

/**
 * Reading any message of a stream by its sequence (`jsm.streams.getMessage`; the request names no subject, so this is
 * the whole stream). Granted only to an identity that already receives every message of that stream — through its
 * consumers or as the publisher — so it exposes nothing new.
 */
function messageGet(stream: string): string {
  return `$JS.API.STREAM.MSG.GET.${stream}`;
}

function streamInfo(...streams: string[]): string[] {
  return streams.map((s) => `$JS.API.STREAM.INFO.${s}`);
}

function deadLetters(...durables: string[]): string[] {
  return durables.map((d) => `${JetStreamNames.deadLetterSubjectPrefix}.${d}.>`);
}

const EVENTS = JetStreamNames.eventsStream;
const DLQ = JetStreamNames.deadLetterStream;
const INTAKE = JetStreamNames.intakeStream;

function service(identity: NatsIdentity, publish: string[], subscribe: string[]): NatsPermissions {
  return {
    publish: { allow: publish, deny: DENIED_TO_EVERYONE },
    subscribe: { allow: [`${inboxPrefixOf(identity)}.>`, ...subscribe], deny: [] },
  };
}

/**
 * Where a responder may send its answers: the inboxes of the identities allowed to ask it, and nowhere else. Not
 * `allow_responses`: on nats-server 2.9.10 that lets a response go to whatever reply subject the request named, past
 * the allow and deny lists — a regional system could have its hub "answer" on `$JS.API.STREAM.PURGE.CTP_EVENTS`.
 */
function answersTo(...askers: NatsIdentity[]): string[] {
  return askers.map((a) => `${inboxPrefixOf(a)}.>`);
}

export function natsPermissions(identity: NatsIdentity): NatsPermissions {
  if (identity === 'admin') {
    // Provisioning (streams, consumers), dead-letter redrive, outbox replay and rebuilds: everything but the deny list.
    return {
      publish: { allow: ['>'], deny: DENIED_TO_EVERYONE },
      subscribe: { allow: ['>'], deny: [] },
    };
  }
  if (identity === 'platform') {
    const { platformHubs, platformPartners } = DurableConsumers;
    return service(
      identity,
      [
        Subjects.platformAll,
        // Reconciliation asks hubs and partner-liaison for their records.
        SyncSubjects.buckets('*.*'),
        SyncSubjects.list('*.*'),
        SyncSubjects.resend('*.*'),
        ...deadLetters(platformHubs, platformPartners),
        ...streamInfo(EVENTS, DLQ),
        ...consumerReader(EVENTS, platformHubs),
        ...consumerReader(EVENTS, platformPartners),
        // The start-up check after a restore (JetStreamServer.onlyDuplicatesAfter) reads the messages past the
        // position its database recorded, to tell trailing duplicates from a real gap. No new exposure: CTP_EVENTS
        // holds `ctp.>` = `ctp.hub.>` (platform-hubs), `ctp.partner.>` (platform-partners) and `ctp.platform.>`
        // (its own), all of which the platform already receives; only admin could publish anything else there.
        messageGet(EVENTS),
      ],
      [],
    );
  }
  if (identity === 'partner-liaison') {
    const { liaisonHubs, liaisonOverlaps } = DurableConsumers;
    return service(
      identity,
      [
        Subjects.allPartners,
        ...deadLetters(liaisonHubs, liaisonOverlaps),
        ...streamInfo(EVENTS, DLQ),
        ...consumerReader(EVENTS, liaisonHubs),
        ...consumerReader(EVENTS, liaisonOverlaps),
        ...answersTo('platform', 'admin'),
      ],
      [SyncSubjects.buckets('partner.*'), SyncSubjects.list('partner.*'), SyncSubjects.resend('partner.*')],
    );
  }
  const [kind, region] = identity.split('-') as ['hub' | 'regional', HubRegion];
  if (kind === 'regional') {
    // send (request/reply) and emit (captured by CTP_INTAKE) to its own hub, and nothing else.
    return service(identity, [IntakeSubjects.all(region)], []);
  }
  const intake = DurableConsumers.hubIntake(region);
  return service(
    identity,
    [
      Subjects.hubAll(region),
      ...deadLetters(intake),
      ...streamInfo(EVENTS, DLQ, INTAKE),
      ...consumerReader(INTAKE, intake),
      // The start-up check reads the hub's own initiative events back (docs/operations.md "Backups and restores"):
      // one consumer of a fixed name, filtered on its own subjects, that it creates, reads and deletes.
      ...recoveryReader(region),
      // Intake answers to its regional system, sync answers to the platform.
      ...answersTo(`regional-${region}`, 'platform', 'admin'),
    ],
    [
      IntakeSubjects.upsert(region),
      IntakeSubjects.withdraw(region),
      SyncSubjects.buckets(`hub.${region}`),
      SyncSubjects.list(`hub.${region}`),
      SyncSubjects.resend(`hub.${region}`),
    ],
  );
}

/** One user of the server's `authorization` block. */
export interface NatsUserEntry {
  identity: NatsIdentity;
  /** The user's public nkey (`U…`); or a user name with a bcrypt hash. */
  nkey?: string;
  user?: string;
  passwordHash?: string;
}

function list(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

/**
 * The `authorization { users = [...] }` block the shipped nats-server configs include. No `accounts` block (with one
 * holding only `$SYS` next to `authorization`, 2.9.10 lets clients in unauthenticated: CVE-2023-47090) and no
 * `no_auth_user`: a connection without valid credentials is refused.
 */
export function renderAuthorization(users: NatsUserEntry[]): string {
  const lines = [
    '# Generated by `npm run nats:identities`: one user per identity, each with exactly its subjects.',
    '# Public keys only; the seeds are in nkeys/ next to this file. Regenerate or rotate with the same command.',
    'authorization {',
    '  timeout: 2',
    '  users = [',
  ];
  for (const u of users) {
    const p = natsPermissions(u.identity);
    const who = u.nkey
      ? `nkey: ${JSON.stringify(u.nkey)}`
      : `user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.passwordHash)}`;
    lines.push(
      `    # ${u.identity}`,
      `    { ${who}`,
      '      permissions: {',
      `        publish: { allow: ${list(p.publish.allow)}, deny: ${list(p.publish.deny)} }`,
      `        subscribe: { allow: ${list(p.subscribe.allow)}${p.subscribe.deny.length ? `, deny: ${list(p.subscribe.deny)}` : ''} }`,
      '      }',
      '    }',
    );
  }
  lines.push('  ]', '}', '');
  return lines.join('\n');
}
