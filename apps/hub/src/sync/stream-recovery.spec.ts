import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { CtpLogger, Metrics, ReadinessChecks, toErrorBody } from '@ctp/observability';
import type { UnitOfWork } from '@ctp/persistence';
import { loadHubConfig } from '../config/hub.config';
import { intakeFailureOf } from '../initiatives/messaging/intake-errors';
import { HubNotWritable, StreamRecovery } from './stream-recovery';
import { RecoveryRepository } from './recovery.repository';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function event(seq: number, localId: string, version: number, withdrawn = false) {
  const data = {
    initiativeId: `IP-HUB-AFR-${localId}`,
    version,
    status: 'PIPELINE',
    actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
    recipientCountries: ['KE'],
    description: { lang: 'en', text: `v${version}` },
    ...(withdrawn ? { withdrawal: { reason: 'in error', withdrawnAt: '2026-12-01T00:00:00Z' } } : {}),
  };
  const envelope = {
    specversion: '1.0',
    id: `e-${seq}`,
    source: '/ctp/hubs/afr',
    type: withdrawn ? 'ctp.initiative.withdrawn.v1' : 'ctp.initiative.updated.v1',
    subject: data.initiativeId,
    time: '2026-12-01T00:00:00Z',
    datacontenttype: 'application/json',
    data,
  };
  return { seq, data: enc(envelope), headers: undefined, info: { pending: 0 } };
}

/** A database of `initiatives` and `stream_checkpoints`, answering the statements the check sends. */
class FakeDatabase {
  checkpoint: number | null = null;
  used = true;
  readonly rows = new Map<string, { version: number; snapshot: Record<string, unknown>; withdrawn: boolean }>();

  unitOfWork(): UnitOfWork {
    const query = async (sql: string, params: unknown[] = []): Promise<unknown> => {
      if (sql.includes('pg_advisory_xact_lock')) return [];
      if (sql.includes('AS checkpoint')) return [{ checkpoint: this.checkpoint, used: this.used }];
      if (sql.startsWith('SELECT initiative_id, version, snapshot')) {
        const ids = params[0] as string[];
        return ids.filter((id) => this.rows.has(id)).map((id) => ({ initiative_id: id, ...this.rows.get(id)! }));
      }
      if (sql.includes('INSERT INTO initiatives')) {
        const [id, version, , , , snapshot, withdrawn] = params as [string, number, ...unknown[]];
        const current = this.rows.get(id);
        if (!current || current.version < version) {
          this.rows.set(id, { version, snapshot: snapshot as Record<string, unknown>, withdrawn: Boolean(withdrawn) });
        }
        return [];
      }
      if (sql.includes('INSERT INTO stream_checkpoints')) {
        this.checkpoint = Math.max(this.checkpoint ?? 0, params[1] as number);
        return [];
      }
      throw new Error(`unexpected SQL: ${sql}`);
    };
    return { run: (work: (tx: unknown) => Promise<unknown>) => work({ manager: { query } }) } as unknown as UnitOfWork;
  }
}

function recoveryWith(db: FakeDatabase, stream: { first: number; last: number; messages: ReturnType<typeof event>[] }) {
  const calls: string[] = [];
  let startSeq = 0;
  const jsm = {
    streams: { info: async () => ({ state: { first_seq: stream.first, last_seq: stream.last } }) },
    consumers: {
      add: async (_s: string, cfg: { name: string; filter_subject: string; opt_start_seq: number }) => {
        calls.push(`add ${cfg.name} ${cfg.filter_subject} from ${cfg.opt_start_seq}`);
        startSeq = cfg.opt_start_seq;
      },
      delete: async (_s: string, name: string) => {
        calls.push(`delete ${name}`);
      },
    },
  } as unknown as JetStreamManager;
  const js = {
    consumers: {
      get: async () => {
        let delivered = false;
        const wanted = () => stream.messages.filter((m) => m.seq >= startSeq);
        return {
          info: async () => ({ num_pending: wanted().length }),
          fetch: async () => {
            const batch = delivered
              ? []
              : wanted().map((m, i, all) => ({ ...m, info: { pending: all.length - i - 1 } }));
            delivered = true;
            return (async function* () {
              yield* batch;
            })();
          },
        };
      },
    },
  } as unknown as JetStreamClient;
  const lines: Record<string, unknown>[] = [];
  const log = {
    info: (l: Record<string, unknown>) => lines.push(l),
    warn: (l: Record<string, unknown>) => lines.push(l),
    error: (l: Record<string, unknown>) => lines.push(l),
    debug: () => undefined,
  } as unknown as CtpLogger;
  const readiness = new ReadinessChecks();
  const config = loadHubConfig({ HUB_REGION: 'afr', AUTH_DISABLED: 'true' } as NodeJS.ProcessEnv, { serveHttp: false });
  const unitOfWork = db.unitOfWork();
  const recovery = new StreamRecovery(
    config,
    js,
    jsm,
    log,
    unitOfWork,
    new RecoveryRepository(unitOfWork),
    readiness,
    new Metrics('hub-afr'),
  );
  recovery.onModuleInit();
  return { recovery, calls, lines, readiness };
}

describe('StreamRecovery', () => {
  it('refuses writes (503, HubNotWritable) and is not ready until the check is done', async () => {
    const db = new FakeDatabase();
    const { recovery, readiness } = recoveryWith(db, { first: 1, last: 0, messages: [] });
    expect(() => recovery.assertWritable()).toThrow(HubNotWritable);
    let err: unknown;
    try {
      recovery.assertWritable();
    } catch (e) {
      err = e;
    }
    expect(toErrorBody(err)).toMatchObject({ statusCode: 503, message: expect.stringContaining('start-up check') });
    // NATS intake answers it 503 "retry", not 500.
    expect(intakeFailureOf(err)).toMatchObject({ kind: 'retry', body: { statusCode: 503 } });
    const before = await readiness.run();
    expect(before.checks['stream-recovery']).toMatchObject({ ok: false, error: expect.stringContaining('start-up') });

    recovery.onApplicationBootstrap();
    await recovery.onApplicationShutdown();
    expect(recovery.isWritable).toBe(true);
    expect(() => recovery.assertWritable()).not.toThrow();
    expect((await readiness.run()).checks['stream-recovery']).toEqual({ ok: true });
  });

  it('starts a new database at the end of the stream without reading it (what is there belongs to no database of its own)', async () => {
    const db = new FakeDatabase();
    db.used = false;
    const { recovery, calls } = recoveryWith(db, { first: 1, last: 42, messages: [event(5, 'x', 3)] });
    expect(await recovery.recover()).toMatchObject({ fresh: true, reimported: 0 });
    expect(db.checkpoint).toBe(42);
    expect(db.rows.size).toBe(0);
    expect(calls).toEqual([]);
  });

  it('stores again what was published after its checkpoint at a higher version, and moves the checkpoint', async () => {
    const db = new FakeDatabase();
    db.checkpoint = 10;
    db.rows.set('IP-HUB-AFR-a', { version: 1, snapshot: { v: 1 }, withdrawn: false });
    db.rows.set('IP-HUB-AFR-c', { version: 4, snapshot: { v: 4 }, withdrawn: false });
    const messages = [
      event(8, 'old', 1), // before the checkpoint: not read
      event(11, 'a', 2),
      event(12, 'b', 1),
      event(13, 'a', 3, true),
      event(14, 'c', 2), // the database is ahead: left alone
    ];
    const { recovery, calls, lines } = recoveryWith(db, { first: 1, last: 20, messages });
    const result = await recovery.recover();
    expect(result).toMatchObject({ fresh: false, scannedFrom: 11, scannedThrough: 20, events: 4, reimported: 2 });
    expect(calls).toEqual([
      'delete hub-afr-recovery',
      'add hub-afr-recovery ctp.hub.afr.initiative.> from 11',
      'delete hub-afr-recovery',
    ]);
    expect([...db.rows].map(([id, r]) => [id, r.version, r.withdrawn]).sort()).toEqual([
      ['IP-HUB-AFR-a', 3, true],
      ['IP-HUB-AFR-b', 1, false],
      ['IP-HUB-AFR-c', 4, false],
    ]);
    expect(db.checkpoint).toBe(20);
    expect(lines.filter((l) => l.msg === 'stream recovery: record stored again as published')).toHaveLength(2);
  });

  it('says which events it cannot check when the stream no longer keeps them', async () => {
    const db = new FakeDatabase();
    db.checkpoint = 10;
    const { recovery, lines } = recoveryWith(db, { first: 50, last: 60, messages: [event(55, 'a', 7)] });
    expect(await recovery.recover()).toMatchObject({ scannedFrom: 50, unverifiable: [11, 49], reimported: 1 });
    expect(lines.find((l) => String(l.msg).includes('no longer in the stream'))).toMatchObject({
      fromSeq: 11,
      toSeq: 49,
    });
  });
});
