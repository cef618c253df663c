/**
 * `npm run dlq -- list [--consumer platform-hubs] [--limit 50]`
 * `npm run dlq -- show <seq>`
 * `npm run dlq -- redrive <seq> | --all [--consumer platform-hubs]`
 *
 * Dead letters, for an operator: list them with their reason, inspect one, and re-drive one or all after the cause is
 * fixed. Re-driving publishes the original payload again on its original subject (Nats-Msg-Id `redrive:<seq>`, so a
 * repeated re-drive inside the broker's window is dropped), then removes the dead letter and appends a record of the
 * re-drive to `ctpdlq._redriven`. Consumers that had already applied the event see a duplicate delivery and change
 * nothing; the one that failed applies it (or dead-letters it again, with the new reason). Its outcome is then at the
 * platform's GET /events/:source/:id.
 */
import { jetstream, jetstreamManager, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { JetStreamNames } from '@ctp/contracts';
import { DeadLetterHeaders } from '@ctp/messaging';
import { connectAdmin } from './admin-nats';

const REDRIVE_SUBJECT = `${JetStreamNames.deadLetterSubjectPrefix}._redriven`;

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

/** Every dead letter still in the stream (not the re-drive records), oldest first. */
export async function listDeadLetters(jsm: JetStreamManager, consumer?: string, limit = 10_000): Promise<StoredMsg[]> {
  const info = await jsm.streams.info(JetStreamNames.deadLetterStream);
  const out: StoredMsg[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && out.length < limit; seq++) {
    const m = await jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq }).catch(() => null);
    if (!m || m.subject === REDRIVE_SUBJECT) continue;
    if (consumer && m.header?.get(DeadLetterHeaders.consumer) !== consumer) continue;
    out.push(m);
  }
  return out;
}

export async function redrive(
  natsUrl: string,
  seqs: number[] | 'all',
  consumer?: string,
  /** Where the admin's credentials are read (NATS_IDENTITIES_DIR, NATS_NKEY_SEED_FILE, …). */
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ seq: number; subject: string; newSeq: number }[]> {
  const nc = await connectAdmin('ctp-dlq', { ...env, NATS_URL: natsUrl });
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const js = jetstream(nc);
    const letters =
      seqs === 'all'
        ? await listDeadLetters(jsm, consumer)
        : await Promise.all(seqs.map((seq) => jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq })));
    const done: { seq: number; subject: string; newSeq: number }[] = [];
    letters.forEach((m, i) => {
      if (!m) throw new Error(`no dead letter ${(seqs as number[])[i]} (already re-driven, or removed)`);
    });
    for (const m of letters) {
      if (!m) continue;
      const subject = m.header?.get(DeadLetterHeaders.originalSubject);
      if (!subject) throw new Error(`dead letter ${m.seq} has no ${DeadLetterHeaders.originalSubject} header`);
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
    return done;
  } finally {
    await nc.drain();
  }
}

async function main(argv: string[]): Promise<void> {
  const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const [command, ...rest] = argv;
  const opt = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  if (command === 'list' || command === 'show') {
    const nc = await connectAdmin('ctp-dlq');
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      if (command === 'list') {
        const letters = await listDeadLetters(jsm, opt('consumer'), Number(opt('limit') ?? 10_000));
        for (const m of letters) {
          const v = viewOf(m);
          out({ ...v, detail: v.detail.slice(0, 200) });
        }
        process.stderr.write(`${letters.length} dead letter(s)\n`);
      } else {
        const seq = Number(rest[0]);
        if (!Number.isInteger(seq)) throw new Error('usage: npm run dlq -- show <seq>');
        const m = await jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq });
        if (!m) throw new Error(`no dead letter ${seq}`);
        const headers = Object.fromEntries([...(m.header ?? [])].map(([k, v]) => [k, v.join(', ')]));
        process.stdout.write(`${JSON.stringify({ ...viewOf(m), headers, payload: m.string() }, null, 2)}\n`);
      }
    } finally {
      await nc.drain();
    }
    return;
  }
  if (command === 'redrive') {
    const all = rest.includes('--all');
    const seqs = rest.filter((a) => /^\d+$/.test(a)).map(Number);
    if (!all && seqs.length === 0)
      throw new Error('usage: npm run dlq -- redrive <seq> [<seq> …] | --all [--consumer X]');
    const done = await redrive(natsUrl, all ? 'all' : seqs, opt('consumer'));
    for (const d of done) out({ msg: 'dead letter re-driven', ...d });
    process.stderr.write(`${done.length} dead letter(s) re-driven\n`);
    return;
  }
  throw new Error(
    'usage: npm run dlq -- list [--consumer X] [--limit N] | show <seq> | redrive <seq>… | redrive --all [--consumer X]',
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`dlq: ${err.message}\n`);
    process.exit(1);
  });
}
