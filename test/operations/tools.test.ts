/**
 * The operator tools as an operator runs them (the compiled scripts, spawned): --help answers without connecting to
 * anything, an unknown option is exit 2 with the usage, an unreachable NATS or PostgreSQL is exit 3, the dry runs
 * change nothing, and long work shows progress (plain lines: stderr is not a terminal here).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { headers } from '@nats-io/nats-core';
import { Client } from 'pg';
import { JetStreamNames } from '@ctp/contracts';
import { DeadLetterHeaders, MESSAGING_MIGRATIONS } from '@ctp/messaging';
import { buildDataSourceOptions, openDataSource } from '@ctp/persistence';
import { PG_ADMIN_URL, TestDatabase } from '../support/databases';
import { hubInitiativeEvent } from '../support/events';
import { TestPublisher } from '../support/jetstream';
import { freePort, TestNatsServer } from '../support/nats-server';
import { PlatformUnderTest } from '../support/platform-under-test';
import { ROOT, waitFor } from '../support/services';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tool(script: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/scripts', `${script}.js`), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Everything the tools could connect to, where nothing listens: a tool that tried would not answer 0. */
let NOWHERE: Record<string, string>;

beforeAll(async () => {
  const port = await freePort();
  NOWHERE = {
    NATS_URL: `nats://127.0.0.1:${port}`,
    DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/ctp_platform`,
    PGADMIN_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
    PGHOST: '127.0.0.1',
    PGPORT: String(port),
  };
});

describe('every operator tool: --help, unknown options, exit codes', () => {
  // [script, npm script, an invocation that would do real work]
  const TOOLS: [string, string, string[]][] = [
    ['dlq', 'dlq', ['list']],
    ['outbox-replay', 'outbox:replay', ['--service', 'hub-eur', '--since', '2h']],
    ['platform-rebuild', 'platform:rebuild', []],
    ['preflight', 'preflight', []],
    ['token', 'token', ['--org', 'IP-HUB-EUR', '--scope', 'initiatives:read']],
    ['matching-refit', 'matching:refit', []],
    ['matching-fit', 'matching:fit', []],
    ['db-provision', 'db:provision', []],
    ['nats-provision', 'nats:provision', []],
    ['nats-identities', 'nats:identities', ['--out', '/nonexistent/ids']],
    ['deploy-secrets', 'deploy:secrets', []],
  ];

  it.each(TOOLS)(
    '%s --help: usage with the exit codes on stdout, exit 0, nothing connected',
    async (script, npm, work) => {
      const r = await tool(script, [...work, '--help'], NOWHERE);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^usage: npm run ${npm.replace(':', '\\:')}\\b`, 'i'));
      expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}done\n {2}1 {2}.+\n {2}2 {2}bad arguments/i);
      expect(r.stdout).toMatch(/examples?:/i);
    },
  );

  it.each(TOOLS)('%s --no-such-option: exit 2, the usage on stderr', async (script, npm, work) => {
    const r = await tool(script, [...work, '--no-such-option'], NOWHERE);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--no-such-option'/);
    expect(r.stderr).toMatch(new RegExp(`usage: npm run ${npm.replace(':', '\\:')}\\b`, 'i'));
    expect(r.stdout).toBe('');
  });

  it.each([
    ['dlq', ['list'], /^dlq: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/],
    ['dlq', ['redrive', '--all', '--dry-run'], /^dlq: cannot connect to NATS/],
    [
      'outbox-replay',
      ['--service', 'hub-eur', '--since', '2h', '--dry-run'],
      /^outbox:replay: nothing is listening for PostgreSQL/,
    ],
    ['platform-rebuild', [], /^platform:rebuild: cannot connect to NATS/],
    ['preflight', [], /^preflight: nothing is listening for NATS/],
    ['nats-provision', [], /^nats:provision: cannot connect to NATS/],
    ['matching-refit', [], /^matching:refit: .*ECONNREFUSED/],
    ['db-provision', [], /^db:provision: nothing is listening for PostgreSQL on 127\.0\.0\.1:\d+ /],
  ])('%s %j with nothing listening: exit 3', async (script, args, message) => {
    const r = await tool(script, args, NOWHERE);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(3);
  });
});

describe('dlq redrive --dry-run, then for real', () => {
  const ORIGINAL = 'ctp.hub.eur.initiative.reported.v1';
  let nats: TestNatsServer;
  let publisher: TestPublisher;
  let seq: number;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    const h = headers();
    h.set(DeadLetterHeaders.reason, 'INVALID_ENVELOPE');
    h.set(DeadLetterHeaders.detail, 'specversion must be 1.0');
    h.set(DeadLetterHeaders.consumer, 'platform-hubs');
    h.set(DeadLetterHeaders.originalSubject, ORIGINAL);
    h.set(DeadLetterHeaders.originalSeq, '7');
    h.set(DeadLetterHeaders.deliveryCount, '1');
    h.set(DeadLetterHeaders.failedAt, new Date().toISOString());
    const ack = await publisher.js.publish(
      `${JetStreamNames.deadLetterSubjectPrefix}.platform-hubs.${ORIGINAL}`,
      JSON.stringify({ id: 'evt-dlq-1', type: 'ctp.initiative.reported.v1', specversion: '0.3' }),
      { headers: h },
    );
    seq = ack.seq;
  });

  afterAll(async () => {
    await publisher?.close();
    await nats?.stop();
  });

  const events = async () => (await publisher.jsm.streams.info(JetStreamNames.eventsStream)).state.messages;

  it('--dry-run says what it would re-drive and changes nothing', async () => {
    const r = await tool('dlq', ['redrive', String(seq), '--dry-run'], { NATS_URL: nats.url });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      msg: 'would re-drive',
      seq,
      subject: ORIGINAL,
      consumer: 'platform-hubs',
      reason: 'INVALID_ENVELOPE',
      eventId: 'evt-dlq-1',
    });
    expect(r.stderr).toContain('1 dead letter(s) would be re-driven (dry run: nothing published, nothing removed)');
    const all = await tool('dlq', ['redrive', '--all', '--consumer', 'platform-hubs', '--dry-run'], {
      NATS_URL: nats.url,
    });
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n')).toHaveLength(1);
    expect(await events()).toBe(0);
    const shown = await tool('dlq', ['show', String(seq)], { NATS_URL: nats.url });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ seq, reason: 'INVALID_ENVELOPE' });
  });

  it('re-drives it, after which it is gone (show: exit 1)', async () => {
    const r = await tool('dlq', ['redrive', String(seq)], { NATS_URL: nats.url });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ msg: 'dead letter re-driven', seq, subject: ORIGINAL, newSeq: 1 });
    expect(await events()).toBe(1);
    const shown = await tool('dlq', ['show', String(seq)], { NATS_URL: nats.url });
    expect(shown.code).toBe(1);
    expect(shown.stderr).toBe(`dlq: no dead letter ${seq}\n`);
    const list = await tool('dlq', ['list'], { NATS_URL: nats.url });
    expect({ code: list.code, stdout: list.stdout }).toEqual({ code: 0, stdout: '' });
    expect(list.stderr).toContain('0 dead letter(s)');
    // Run again with the same sequence number: nothing left to do, said as a warning, not a failure.
    const again = await tool('dlq', ['redrive', String(seq)], { NATS_URL: nats.url });
    expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: '' });
    expect(again.stderr).toContain(`dlq: no dead letter ${seq} (already re-driven, or removed): skipped\n`);
    expect(await events()).toBe(1);
  });
});

describe('outbox:replay --dry-run, then for real, with progress', () => {
  const ROWS = 2500;
  const db = TestDatabase.fresh('replay');
  let nats: TestNatsServer;
  let publisher: TestPublisher;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    publisher = await TestPublisher.connect(nats.url);
    const ds = await openDataSource({
      dataSourceOptions: buildDataSourceOptions({
        databaseUrl: db.url,
        applicationName: 'replay-test',
        migrations: MESSAGING_MIGRATIONS,
      }),
    });
    await ds.query(
      `INSERT INTO outbox_events (event_id, subject, payload, created_at, sent_at)
       SELECT 'evt-' || i, 'ctp.hub.eur.initiative.reported.v1', '{"id":"evt-' || i || '"}',
              now() - interval '1 hour', now() - interval '1 hour'
         FROM generate_series(1, $1) AS i`,
      [ROWS],
    );
    // Older than --since, and one never sent: neither is replayed.
    await ds.query(
      `INSERT INTO outbox_events (event_id, subject, payload, created_at, sent_at) VALUES
         ('old', 'ctp.hub.eur.initiative.reported.v1', '{}', now() - interval '3 days', now() - interval '3 days'),
         ('unsent', 'ctp.hub.eur.initiative.reported.v1', '{}', now(), NULL)`,
    );
    await ds.destroy();
  });

  afterAll(async () => {
    await publisher?.close();
    await nats?.stop();
    await db.drop();
  });

  const env = () => ({ NATS_URL: nats.url, DATABASE_URL: db.url });
  const events = async () => (await publisher.jsm.streams.info(JetStreamNames.eventsStream)).state.messages;

  it('--dry-run counts what would be re-published and publishes nothing', async () => {
    const r = await tool('outbox-replay', ['--service', 'hub-eur', '--since', '2h', '--dry-run'], env());
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(line).toMatchObject({
      msg: 'outbox replay (dry run)',
      service: 'hub-eur',
      wouldRepublish: { events: ROWS, subjects: { 'ctp.hub.eur.initiative.reported.v1': ROWS } },
    });
    expect(r.stderr).toMatch(new RegExp(`^${ROWS} event\\(s\\) would be re-published \\(created .+\\) \\(dry run`));
    expect(await events()).toBe(0);
  });

  it('re-publishes them, showing progress on stderr', async () => {
    const r = await tool('outbox-replay', ['--service', 'hub-eur', '--since', '2h'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`"republished":${ROWS}`);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`re-publishing hub-eur's outbox: 0/${ROWS} events (0%), 0.00/s, 0s so far`);
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(`^re-publishing hub-eur's outbox: ${ROWS}/${ROWS} events \\(100%\\), [\\d.]+/s, took \\d+s$`),
    );
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\x1b');
    expect(await events()).toBe(ROWS);
  });
});

describe('platform:rebuild shows its progress', () => {
  const p = new PlatformUnderTest('rebuild_progress');
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('replay and duplicate detection, then the verdict (exit 0: they agree)', async () => {
    await p.decided(Array.from({ length: 40 }, (_, i) => hubInitiativeEvent('eur', `progress-${i}`, 1)));
    const r = await tool('platform-rebuild', ['--database', `${p.db.name}_rb`], {
      NATS_URL: p.nats.url,
      DATABASE_URL: p.db.url,
    });
    expect(r.stdout).toContain('rebuild matches the live read model');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/(^|\n)replaying CTP_EVENTS: 0\/40 events \(0%\)/);
    expect(r.stderr).toMatch(/\nreplaying CTP_EVENTS: 40\/40 events \(100%\), [\d.]+\/s, took \d+s\n/);
    expect(r.stderr).toMatch(/\nduplicate detection in the rebuild: (\d+)\/\1 records \(100%\), .*took \d+s\n/);
  });

  it('records what it dead-letters in its own database only: the live dead-letter stream gains nothing', async () => {
    // A poison message (not JSON) and a malformed event (wrong CloudEvents version): the live platform dead-letters both.
    await p.publisher.publishRaw('ctp.hub.eur.initiative.reported.v1', '{not json', `poison-${Date.now()}`);
    const malformed = hubInitiativeEvent('eur', 'rebuild-malformed', 1);
    await p.publisher.publishRaw(
      malformed.subject,
      JSON.stringify({ ...malformed.event, specversion: '0.3' }),
      malformed.event.id,
    );
    const deadLetters = async () =>
      (await p.publisher.jsm.streams.info(JetStreamNames.deadLetterStream)).state.messages;
    await waitFor('the live platform to dead-letter both', async () => (await deadLetters()) === 2);
    await waitFor(
      'both dead letters recorded live',
      async () => (await p.db.query(`SELECT 1 FROM inbox_dead_letters`)).length === 2,
    );

    const rebuilt = new URL(p.db.url);
    rebuilt.pathname = `/${p.db.name}_rbdl`;
    try {
      const r = await tool('platform-rebuild', ['--database', `${p.db.name}_rbdl`, '--keep'], {
        NATS_URL: p.nats.url,
        DATABASE_URL: p.db.url,
      });
      expect(r.stdout).toContain('rebuild matches the live read model');
      expect(r.code).toBe(0);
      // Nothing published to the dead-letter stream: no copy under the rebuild's consumers for operators to re-drive.
      expect(await deadLetters()).toBe(2);
      // Recorded in the rebuild's database as the live platform recorded them, without a dead-letter stream position.
      const c = new Client({ connectionString: rebuilt.toString() });
      await c.connect();
      try {
        const { rows } = await c.query(
          `SELECT consumer, reason, dlq_stream, dlq_seq FROM inbox_dead_letters ORDER BY stream_seq`,
        );
        expect(rows).toEqual([
          {
            consumer: expect.stringMatching(/^platform-hubs-rebuild-\d+$/),
            reason: 'UNDECODABLE',
            dlq_stream: null,
            dlq_seq: null,
          },
          {
            consumer: expect.stringMatching(/^platform-hubs-rebuild-\d+$/),
            reason: 'INVALID_ENVELOPE',
            dlq_stream: null,
            dlq_seq: null,
          },
        ]);
      } finally {
        await c.end();
      }
    } finally {
      const admin = new Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${p.db.name}_rbdl" WITH (FORCE)`);
      await admin.end();
    }
  });
});
