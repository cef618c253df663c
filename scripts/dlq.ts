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
import { jetstream, jetstreamManager, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, NatsConnection } from '@nats-io/nats-core';
import { JetStreamNames } from '@ctp/contracts';
import { DEAD_LETTER_REDRIVE_SUBJECT, DeadLetterHeaders } from '@ctp/messaging';
import { adminNatsSettings, connectAdmin } from './admin-nats';
import {
  connecting,
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
  eventId?: string;
  eventType?: string;
  initiativeId?: string;
}

export function viewOf(m: StoredMsg): DeadLetterView {
  const h = (k: string) => m.header?.get(k) ?? '';
  let envelope: { id?: unknown; type?: unknown; subject?: unknown } = {};
  try {
    // Any JSON may be here (null, a number, an array): that is often why it is here.
    const parsed: unknown = JSON.parse(m.string());
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) envelope = parsed as typeof envelope;
  } catch {
    // undecodable: that is often why it is here
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    seq: m.seq,
    failedAt: h(DeadLetterHeaders.failedAt),
    consumer: h(DeadLetterHeaders.consumer),
    reason: h(DeadLetterHeaders.reason),
    detail: h(DeadLetterHeaders.detail),
    originalSubject: h(DeadLetterHeaders.originalSubject),
    originalSeq: h(DeadLetterHeaders.originalSeq),
    deliveryCount: h(DeadLetterHeaders.deliveryCount),
    ...(text(envelope.id) ? { eventId: text(envelope.id) } : {}),
    ...(text(envelope.type) ? { eventType: text(envelope.type) } : {}),
    ...(text(envelope.subject) ? { initiativeId: text(envelope.subject) } : {}),
  };
}

/** Reports `done` of `total` as work goes on (a scan of the stream, a re-drive). */
export type OnProgress = (done: number, total: number) => void;

/** Every dead letter still in the stream (not the re-drive records), oldest first. */
export async function listDeadLetters(
  jsm: JetStreamManager,
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

/** The dead letters `seqs` names (each must exist), or all of them (of `consumer`, if given). */
async function lettersOf(
  jsm: JetStreamManager,
  seqs: number[] | 'all',
  consumer: string | undefined,
  onProgress?: OnProgress,
): Promise<StoredMsg[]> {
  if (seqs === 'all') return listDeadLetters(jsm, consumer, Number.MAX_SAFE_INTEGER, onProgress);
  const letters = await Promise.all(
    seqs.map((seq) => jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq }).catch(() => null)),
  );
  return letters.map((m, i) => {
    if (!m || m.subject === REDRIVE_SUBJECT)
      throw new Error(`no dead letter ${seqs[i]} (already re-driven, or removed)`);
    return m;
  });
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
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  return (await lettersOf(jsm, seqs, consumer, options.onScan)).map((m) => {
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

export async function redrive(
  natsUrl: string,
  seqs: number[] | 'all',
  consumer?: string,
  /** Where the admin's credentials are read (NATS_IDENTITIES_DIR, NATS_NKEY_SEED_FILE, …). */
  env: NodeJS.ProcessEnv = process.env,
  options: { onScan?: OnProgress; onProgress?: OnProgress } = {},
): Promise<{ seq: number; subject: string; newSeq: number }[]> {
  const nc = await connectAdmin('ctp-dlq', { ...env, NATS_URL: natsUrl });
  try {
    return await redriveOn(nc, seqs, consumer, options);
  } finally {
    await nc.drain();
  }
}

async function redriveOn(
  nc: NatsConnection,
  seqs: number[] | 'all',
  consumer: string | undefined,
  options: { onScan?: OnProgress; onProgress?: OnProgress },
): Promise<{ seq: number; subject: string; newSeq: number }[]> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const js = jetstream(nc);
  const letters = await lettersOf(jsm, seqs, consumer, options.onScan);
  const subjects = letters.map(originalSubjectOf);
  const done: { seq: number; subject: string; newSeq: number }[] = [];
  for (const [i, m] of letters.entries()) {
    options.onProgress?.(i, letters.length);
    const subject = subjects[i];
    const h = natsHeaders();
    for (const [k, v] of m.header ?? [])
      if (!k.startsWith('Ctp-Dlq-') && k !== 'Nats-Msg-Id') for (const x of v) h.append(k, x);
    h.set('Ctp-Redriven-From', String(m.seq));
    const ack = await js.publish(subject, m.data, { msgID: `redrive:${m.seq}`, headers: h });
    const record = natsHeaders();
    record.set('Ctp-Redriven-Seq', String(m.seq));
    await js.publish(
      REDRIVE_SUBJECT,
      JSON.stringify({ deadLetter: viewOf(m), redrivenAt: new Date().toISOString(), subject, streamSeq: ack.seq }),
      { headers: record },
    );
    await jsm.streams.deleteMessage(JetStreamNames.deadLetterStream, m.seq);
    done.push({ seq: m.seq, subject, newSeq: ack.seq });
  }
  options.onProgress?.(letters.length, letters.length);
  return done;
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
  redrive <seq> [<seq>…] [--dry-run]       re-drive these dead letters
  redrive --all [--consumer <name>] [--dry-run]
                                           re-drive every dead letter (of that consumer)

Options:
  --consumer <name>  only the dead letters of this consumer (platform-hubs, platform-partners, liaison-hubs, …)
  --limit <n>        list: at most n (default 10000)
  --all              redrive: every dead letter (of --consumer, if given)
  --dry-run          redrive: print what would be re-driven (seq, subject, consumer, reason, event id), change nothing
  -h, --help         this text

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

${exitCodesHelp('failed (e.g. no such dead letter, no dead-letter stream)')}`;

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
    if (cmd.command === 'redrive') {
      const scan = scanProgress();
      if (cmd.dryRun) {
        const plan = await planOn(nc, cmd.seqs, cmd.consumer, { onScan: (d, t) => scan.update(d, t) });
        scan.finish();
        for (const p of plan) out({ msg: 'would re-drive', ...p });
        io.stderr(`${plan.length} dead letter(s) would be re-driven (dry run: nothing published, nothing removed)\n`);
        return EXIT.ok;
      }
      const progress = new Progress({ label: 're-driving', unit: 'dead letters', quietForMs: 1000 });
      const done = await redriveOn(nc, cmd.seqs, cmd.consumer, {
        onScan: (d, t) => scan.update(d, t),
        onProgress: (d, t) => {
          scan.finish();
          progress.update(d, t);
        },
      });
      progress.finish();
      for (const d of done) out({ msg: 'dead letter re-driven', ...d });
      io.stderr(`${done.length} dead letter(s) re-driven\n`);
      return EXIT.ok;
    }
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
