/**
 * `npm run dlq -- list [--consumer platform-hubs] [--limit 50]`
 * `npm run dlq -- show <seq>`
 * `npm run dlq -- redrive <seq>… | --all [--consumer platform-hubs] [--dry-run]`
 *
 * Dead letters, for an operator: list them with their reason, inspect one, and re-drive one or all after the cause is
 * fixed. Re-driving publishes the original payload again on its original subject (Nats-Msg-Id `redrive:<seq>`, so a
 * repeated re-drive inside the broker's window is dropped), then removes the dead letter and appends a record of the
 * re-drive to `ctpdlq._redriven`. Consumers that had already applied the event see a duplicate delivery and change
 * nothing; the one that failed applies it (or dead-letters it again, with the new reason). Its outcome is then at the
 * platform's GET /events/:source/:id.
 */
import { jetstream, JetStreamClient, jetstreamManager, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, NatsConnection } from '@nats-io/nats-core';
import { JetStreamNames } from '@ctp/contracts';
import { DEAD_LETTER_REDRIVE_SUBJECT, DeadLetterHeaders, envelopeViewOf, REDRIVEN_FROM_HEADER } from '@ctp/messaging';
import { adminNatsSettings, connectAdmin } from './admin-nats';
import {
  connecting,
  errorText,
  EXIT,
  exitCodesHelp,
  HELP_OPTION,
  main as runMain,
  parseCommandLine,
  Progress,
  PROCESS_IO,
  ToolIo,
  UsageError,
} from './cli';

const REDRIVE_SUBJECT = DEAD_LETTER_REDRIVE_SUBJECT;

export interface DeadLetterView {
  seq: number;
  failedAt: string;
  consumer: string;
  reason: string;
  detail: string;
  originalSubject: string;
  originalSeq: string;
  deliveryCount: string;
  /** Binary mode: the identity below comes from the `ce-` headers (absent: structured, from the body). */
  contentMode?: 'binary';
  /** The event's `source`: the envelope's, or in binary mode `ce-source`. */
  source?: string;
  /** The event's `id` (the envelope's, or `ce-id`), else the original's Nats-Msg-Id: what GET /events/:source/:id takes. */
  eventId?: string;
  eventType?: string;
  /** The event's `subject` (`ce-subject` in binary mode): the record it is about. */
  initiativeId?: string;
  /** The original message's Nats-Msg-Id (Ctp-Dlq-Original-Msg-Id; the dead letter's own is `dlq:…`). */
  natsMsgId?: string;
}

/**
 * A dead letter as an operator sees it: why, where from, and whatever identifies the message, read as the consumer
 * read it (libs/messaging `envelopeViewOf`, as GET /events/:source/:id does): in structured mode from the body alone,
 * in binary mode from the `ce-` headers; then the original's Nats-Msg-Id. Any payload at all, since what cannot be
 * read is often why it is here.
 */
export function viewOf(m: StoredMsg): DeadLetterView {
  const h = (k: string) => m.header?.get(k) ?? '';
  const { mode, envelope = {} } = envelopeViewOf(m.data ?? new Uint8Array(), m.header);
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const natsMsgId = text(h(DeadLetterHeaders.originalMsgId));
  const eventId = text(envelope.id) ?? natsMsgId;
  return {
    seq: m.seq,
    failedAt: h(DeadLetterHeaders.failedAt),
    consumer: h(DeadLetterHeaders.consumer),
    reason: h(DeadLetterHeaders.reason),
    detail: h(DeadLetterHeaders.detail),
    originalSubject: h(DeadLetterHeaders.originalSubject),
    originalSeq: h(DeadLetterHeaders.originalSeq),
    deliveryCount: h(DeadLetterHeaders.deliveryCount),
    ...(mode === 'binary' ? { contentMode: mode } : {}),
    ...(text(envelope.source) ? { source: text(envelope.source) } : {}),
    ...(eventId ? { eventId } : {}),
    ...(text(envelope.type) ? { eventType: text(envelope.type) } : {}),
    ...(text(envelope.subject) ? { initiativeId: text(envelope.subject) } : {}),
    ...(natsMsgId ? { natsMsgId } : {}),
  };
}

/** Reports `done` of `total` as work goes on (a scan of the stream, a re-drive). */
export type OnProgress = (done: number, total: number) => void;

/** What the dead-letter commands use of JetStream (a fake in the unit spec). */
export interface DeadLetterStreamAccess {
  jsm: { streams: Pick<JetStreamManager['streams'], 'info' | 'getMessage' | 'deleteMessage'> };
  js: Pick<JetStreamClient, 'publish'>;
  /** Whether the connection is closed for good (then the dead letters left are not tried: each would fail). */
  closed?: () => boolean;
}

/** Every dead letter still in the stream (not the re-drive records), oldest first. */
export async function listDeadLetters(
  jsm: DeadLetterStreamAccess['jsm'],
  consumer?: string,
  limit = 10_000,
  onProgress?: OnProgress,
): Promise<StoredMsg[]> {
  const info = await jsm.streams.info(JetStreamNames.deadLetterStream);
  const { first_seq: first, last_seq: last } = info.state;
  const out: StoredMsg[] = [];
  for (let seq = first; seq <= last && out.length < limit; seq++) {
    onProgress?.(seq - first, last - first + 1);
    const m = await jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq }).catch(() => null);
    if (!m || m.subject === REDRIVE_SUBJECT) continue;
    if (consumer && m.header?.get(DeadLetterHeaders.consumer) !== consumer) continue;
    out.push(m);
  }
  onProgress?.(last - first + 1, last - first + 1);
  return out;
}

/**
 * The dead letters `seqs` names, or all of them (of `consumer`, if given). One named that is no longer in the stream
 * (already re-driven, or removed) is passed to `onMissing` and left out; without `onMissing`, it is an error.
 */
async function lettersOf(
  jsm: DeadLetterStreamAccess['jsm'],
  seqs: number[] | 'all',
  consumer: string | undefined,
  options: { onScan?: OnProgress; onMissing?: (seq: number) => void },
): Promise<StoredMsg[]> {
  if (seqs === 'all') return listDeadLetters(jsm, consumer, Number.MAX_SAFE_INTEGER, options.onScan);
  const letters = await Promise.all(
    seqs.map((seq) => jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq }).catch(() => null)),
  );
  const found: StoredMsg[] = [];
  letters.forEach((m, i) => {
    if (m && m.subject !== REDRIVE_SUBJECT) found.push(m);
    else if (options.onMissing) options.onMissing(seqs[i]);
    else throw new Error(missingText(seqs[i]));
  });
  return found;
}

function missingText(seq: number): string {
  return `no dead letter ${seq} (already re-driven, or removed)`;
}

function originalSubjectOf(m: StoredMsg): string {
  const subject = m.header?.get(DeadLetterHeaders.originalSubject);
  if (!subject) throw new Error(`dead letter ${m.seq} has no ${DeadLetterHeaders.originalSubject} header`);
  return subject;
}

export interface RedrivePlan {
  seq: number;
  subject: string;
  consumer: string;
  reason: string;
  eventId?: string;
}

/** What `redrive` would do with the same arguments, changing nothing: each dead letter and where it would go. */
export async function redrivePlan(
  natsUrl: string,
  seqs: number[] | 'all',
  consumer?: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { onScan?: OnProgress } = {},
): Promise<RedrivePlan[]> {
  const nc = await connectAdmin('ctp-dlq', { ...env, NATS_URL: natsUrl });
  try {
    return await planOn(nc, seqs, consumer, options);
  } finally {
    await nc.drain();
  }
}

async function planOn(
  nc: NatsConnection,
  seqs: number[] | 'all',
  consumer: string | undefined,
  options: { onScan?: OnProgress },
): Promise<RedrivePlan[]> {
  return planWith(await accessOf(nc), seqs, consumer, options);
}

async function planWith(
  access: DeadLetterStreamAccess,
  seqs: number[] | 'all',
  consumer: string | undefined,
  options: { onScan?: OnProgress; onMissing?: (seq: number) => void },
): Promise<RedrivePlan[]> {
  return (await lettersOf(access.jsm, seqs, consumer, options)).map((m) => {
    const v = viewOf(m);
    return {
      seq: m.seq,
      subject: originalSubjectOf(m),
      consumer: v.consumer,
      reason: v.reason,
      ...(v.eventId ? { eventId: v.eventId } : {}),
    };
  });
}

/** A dead letter re-driven: its sequence, the subject it went back to and its new sequence in CTP_EVENTS. */
export interface Redriven {
  seq: number;
  subject: string;
  newSeq: number;
}

export interface RedriveOptions {
  onScan?: OnProgress;
  onProgress?: OnProgress;
  /** Each one as soon as it is re-driven (and removed from the dead-letter stream). */
  onRedriven?: (done: Redriven) => void;
  /** A sequence number named that is no longer a dead letter: skipped. Without it, none is re-driven: an error. */
  onMissing?: (seq: number) => void;
  /** One that could not be re-driven: the next are still tried. Without it, the first failure is thrown. */
  onFailed?: (seq: number, err: unknown) => void;
}

export interface RedriveResult {
  redriven: Redriven[];
  /** Named, but no longer in the stream: skipped. */
  missing: number[];
  /** Could not be re-driven (each told to `onFailed`). */
  failed: number[];
  /** Not tried: the connection closed for good after a failure. */
  notTried: number[];
}

/**
 * Re-drives the dead letters (each named must exist), one after the other; the first that fails is thrown (those
 * before it are re-driven, and gone from the dead-letter stream).
 */
export async function redrive(
  natsUrl: string,
  seqs: number[] | 'all',
  consumer?: string,
  /** Where the admin's credentials are read (NATS_IDENTITIES_DIR, NATS_NKEY_SEED_FILE, …). */
  env: NodeJS.ProcessEnv = process.env,
  options: { onScan?: OnProgress; onProgress?: OnProgress } = {},
): Promise<Redriven[]> {
  const nc = await connectAdmin('ctp-dlq', { ...env, NATS_URL: natsUrl });
  try {
    return (await redriveWith(await accessOf(nc), seqs, consumer, options)).redriven;
  } finally {
    await nc.drain();
  }
}

async function accessOf(nc: NatsConnection): Promise<DeadLetterStreamAccess> {
  return {
    jsm: await jetstreamManager(nc, { checkAPI: false }),
    js: jetstream(nc),
    closed: () => nc.isClosed(),
  };
}

/**
 * Re-drives the dead letters one by one: the original payload published again on its original subject, a record of
 * the re-drive on `ctpdlq._redriven`, then the dead letter removed — each told to `onRedriven` as soon as it is done,
 * so that a run that fails halfway has said what it did. (Redone after a failure between the publish and the removal,
 * the publish is dropped by the broker as a duplicate inside its window: Nats-Msg-Id `redrive:<seq>`.)
 */
export async function redriveWith(
  access: DeadLetterStreamAccess,
  seqs: number[] | 'all',
  consumer: string | undefined,
  options: RedriveOptions = {},
): Promise<RedriveResult> {
  const { jsm, js } = access;
  const missing: number[] = [];
  const letters = await lettersOf(jsm, seqs, consumer, {
    onScan: options.onScan,
    ...(options.onMissing
      ? {
          onMissing: (seq) => {
            missing.push(seq);
            options.onMissing!(seq);
          },
        }
      : {}),
  });
  const result: RedriveResult = { redriven: [], missing, failed: [], notTried: [] };
  for (const [i, m] of letters.entries()) {
    options.onProgress?.(i, letters.length);
    try {
      const subject = originalSubjectOf(m);
      const h = natsHeaders();
      for (const [k, v] of m.header ?? [])
        if (!k.startsWith('Ctp-Dlq-') && k !== 'Nats-Msg-Id') for (const x of v) h.append(k, x);
      h.set(REDRIVEN_FROM_HEADER, String(m.seq));
      const ack = await js.publish(subject, m.data, { msgID: `redrive:${m.seq}`, headers: h });
      const record = natsHeaders();
      record.set('Ctp-Redriven-Seq', String(m.seq));
      await js.publish(
        REDRIVE_SUBJECT,
        JSON.stringify({ deadLetter: viewOf(m), redrivenAt: new Date().toISOString(), subject, streamSeq: ack.seq }),
        { headers: record },
      );
      await jsm.streams.deleteMessage(JetStreamNames.deadLetterStream, m.seq);
      const done = { seq: m.seq, subject, newSeq: ack.seq };
      result.redriven.push(done);
      options.onRedriven?.(done);
    } catch (err) {
      if (!options.onFailed) throw err;
      result.failed.push(m.seq);
      options.onFailed(m.seq, err);
      if (access.closed?.()) {
        result.notTried.push(...letters.slice(i + 1).map((l) => l.seq));
        break;
      }
    }
  }
  options.onProgress?.(letters.length, letters.length);
  return result;
}

export const USAGE = `Usage: npm run dlq -- <command> [options]

Dead letters (stream ${JetStreamNames.deadLetterStream}): messages a consumer could not apply, with why. List them, show one,
and re-drive one or all once the cause is fixed: the payload is published again on its original subject, then the
dead letter is removed (and the re-drive recorded on ${REDRIVE_SUBJECT}). Consumers that had applied the event already
ignore it; the one that failed applies it, or dead-letters it again with the new reason.

Commands:
  list [--consumer <name>] [--limit <n>]   one JSON line per dead letter: seq, reason, detail, consumer, subject,
                                           event id (the count on stderr)
  show <seq>                               one dead letter: every header and the payload (JSON)
  redrive <seq> [<seq>…] [--dry-run]       re-drive these dead letters (one no longer in the stream, e.g. re-driven
                                           by an earlier run, is skipped with a warning)
  redrive --all [--consumer <name>] [--dry-run]
                                           re-drive every dead letter (of that consumer)

Options:
  --consumer <name>  only the dead letters of this consumer (platform-hubs, platform-partners, liaison-hubs, …)
  --limit <n>        list: at most n (default 10000)
  --all              redrive: every dead letter (of --consumer, if given)
  --dry-run          redrive: print what would be re-driven (seq, subject, consumer, reason, event id), change nothing
  -h, --help         this text

redrive prints a JSON line on stdout as each dead letter is re-driven (and removed), so a run that fails halfway has
said what it did; one that cannot be re-driven is said on stderr and the next are still tried (exit 1). Running it
again with the same sequence numbers re-drives only what is left.

NATS: NATS_URL (default nats://127.0.0.1:4222), as admin: NATS_IDENTITIES_DIR (output of npm run nats:identities),
or NATS_NKEY_SEED_FILE / NATS_CREDS_FILE / NATS_USER and NATS_PASSWORD, NATS_TLS_*. Progress of a long scan or
re-drive goes to stderr (one updating line on a terminal, a line every 5 s otherwise).

Examples:
  npm run dlq -- list
  npm run dlq -- list --consumer platform-hubs --limit 20
  npm run dlq -- show 12
  npm run dlq -- redrive 12 --dry-run
  npm run dlq -- redrive 12 13
  npm run dlq -- redrive --all --consumer platform-hubs

${exitCodesHelp('failed (e.g. show: no such dead letter; redrive: a dead letter could not be re-driven; no dead-letter stream)')}`;

export type DlqCommand =
  | { command: 'list'; consumer?: string; limit: number }
  | { command: 'show'; seq: number }
  | { command: 'redrive'; seqs: number[] | 'all'; consumer?: string; dryRun: boolean };

function sequence(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`${JSON.stringify(text)} is not a dead letter's sequence number`);
  return Number(text);
}

/** The command line, or a UsageError saying what is wrong with it. */
export function parseDlqCommand(argv: readonly string[]): DlqCommand {
  const { values, positionals } = parseCommandLine(argv, {
    options: {
      consumer: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      ...HELP_OPTION,
    },
    allowPositionals: true,
  });
  const [command, ...args] = positionals;
  const only = (allowed: string[]) => {
    const extra = Object.keys(values).filter((k) => k !== 'help' && !allowed.includes(k));
    if (extra.length) throw new UsageError(`${command} does not take --${extra[0]}`);
  };
  if (command === undefined) throw new UsageError('which command: list, show or redrive?');
  if (command === 'list') {
    only(['consumer', 'limit']);
    if (args.length) throw new UsageError(`list takes no argument (${JSON.stringify(args[0])})`);
    const limit = values.limit === undefined ? 10_000 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number, at least 1');
    return { command, limit, ...(values.consumer ? { consumer: values.consumer } : {}) };
  }
  if (command === 'show') {
    only([]);
    if (args.length !== 1) throw new UsageError('show takes one sequence number: npm run dlq -- show <seq>');
    return { command, seq: sequence(args[0]) };
  }
  if (command === 'redrive') {
    only(['consumer', 'all', 'dry-run']);
    const dryRun = values['dry-run'] === true;
    if (values.all) {
      if (args.length) throw new UsageError('redrive takes sequence numbers or --all, not both');
      return { command, seqs: 'all', dryRun, ...(values.consumer ? { consumer: values.consumer } : {}) };
    }
    if (values.consumer !== undefined) throw new UsageError('--consumer goes with --all (or list)');
    if (!args.length) throw new UsageError('redrive what: <seq> [<seq>…] or --all?');
    return { command, seqs: [...new Set(args.map(sequence))], dryRun };
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}: list, show or redrive`);
}

function scanProgress(): Progress {
  return new Progress({ label: `scanning ${JetStreamNames.deadLetterStream}`, unit: 'messages', quietForMs: 1000 });
}

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: ToolIo = PROCESS_IO,
): Promise<number> {
  const cmd = parseDlqCommand(argv);
  const { url } = adminNatsSettings(env);
  const out = (o: unknown) => io.stdout(`${JSON.stringify(o)}\n`);
  // Cannot connect (exit 3) is told apart from what goes wrong once connected (exit 1).
  const nc = await connecting(() => connectAdmin('ctp-dlq', env));
  try {
    if (cmd.command === 'redrive') return await redriveCommand(await accessOf(nc), cmd, io);
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    if (cmd.command === 'list') {
      const scan = scanProgress();
      const letters = await listDeadLetters(jsm, cmd.consumer, cmd.limit, (d, t) => scan.update(d, t));
      scan.finish();
      for (const m of letters) {
        const v = viewOf(m);
        out({ ...v, detail: v.detail.slice(0, 200) });
      }
      io.stderr(`${letters.length} dead letter(s)\n`);
      return EXIT.ok;
    }
    const m = await jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq: cmd.seq }).catch(() => null);
    if (!m || m.subject === REDRIVE_SUBJECT) throw new Error(`no dead letter ${cmd.seq}`);
    const headers = Object.fromEntries([...(m.header ?? [])].map(([k, v]) => [k, v.join(', ')]));
    io.stdout(`${JSON.stringify({ ...viewOf(m), headers, payload: m.string() }, null, 2)}\n`);
    return EXIT.ok;
  } catch (err) {
    throw new Error(explainJetStreamFailure(err, url), { cause: err });
  } finally {
    await nc.drain();
  }
}

/**
 * `dlq redrive` (or its dry run) on `access`: a JSON line on stdout for each dead letter as soon as it is re-driven,
 * a warning on stderr for each sequence number no longer in the stream (skipped) and for each that could not be
 * re-driven (the next are still tried), then the counts on stderr. 0 when none failed, else 1.
 */
export async function redriveCommand(
  access: DeadLetterStreamAccess,
  cmd: Extract<DlqCommand, { command: 'redrive' }>,
  io: ToolIo,
  progress: { scan?: Progress; redrive?: Progress } = {},
): Promise<number> {
  const out = (o: unknown) => io.stdout(`${JSON.stringify(o)}\n`);
  const scan = progress.scan ?? scanProgress();
  const onMissing = (seq: number) => io.stderr(`dlq: ${missingText(seq)}: skipped\n`);
  if (cmd.dryRun) {
    const plan = await planWith(access, cmd.seqs, cmd.consumer, { onScan: (d, t) => scan.update(d, t), onMissing });
    scan.finish();
    for (const p of plan) out({ msg: 'would re-drive', ...p });
    io.stderr(`${plan.length} dead letter(s) would be re-driven (dry run: nothing published, nothing removed)\n`);
    return EXIT.ok;
  }
  const bar = progress.redrive ?? new Progress({ label: 're-driving', unit: 'dead letters', quietForMs: 1000 });
  const result = await redriveWith(access, cmd.seqs, cmd.consumer, {
    onScan: (d, t) => scan.update(d, t),
    onProgress: (d, t) => {
      scan.finish();
      bar.update(d, t);
    },
    onRedriven: (d) => out({ msg: 'dead letter re-driven', ...d }),
    onMissing,
    onFailed: (seq, err) => io.stderr(`dlq: dead letter ${seq} not re-driven: ${errorText(err)}\n`),
  });
  bar.finish();
  const { redriven, missing, failed, notTried } = result;
  const counts = [
    `${redriven.length} dead letter(s) re-driven`,
    ...(missing.length ? [`${missing.length} skipped (not in the stream: ${missing.join(', ')})`] : []),
    ...(failed.length ? [`${failed.length} failed (${failed.join(', ')})`] : []),
    ...(notTried.length ? [`${notTried.length} not tried, the connection closed (${notTried.join(', ')})`] : []),
  ];
  io.stderr(`${counts.join(', ')}\n`);
  return failed.length || notTried.length ? EXIT.failed : EXIT.ok;
}

/** "stream not found" and "no responders" said with what they mean here. */
export function explainJetStreamFailure(err: unknown, url: string): string {
  const message = (err as Error).message ?? String(err);
  if (/stream not found/i.test(message)) {
    return `no stream ${JetStreamNames.deadLetterStream} on ${url}: nothing was ever dead-lettered there, or the streams are not provisioned (npm run nats:provision)`;
  }
  if (/no responders/i.test(message)) {
    return `JetStream does not answer on ${url}: is it enabled (nats-server -js)? npm run preflight checks`;
  }
  return message;
}

if (require.main === module) runMain('dlq', USAGE, (argv) => run(argv));
