import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { provisionFromEnv } from '../../scripts/nats-provision';
import { tokenFor } from '../support/auth';
import { TestDatabase } from '../support/databases';
import { call, initiativeBody } from '../support/hub-fixtures';
import { freePort, TestNatsServer } from '../support/nats-server';
import { SecuredNatsServer } from '../support/secured-nats';
import { ROOT, ServiceProcess, waitFor } from '../support/services';

/**
 * examples/python: a regional system written in Python with nats-py reports, updates and withdraws an initiative
 * (NATS intake request/reply: `…initiatives.upsert` and `…initiatives.withdraw`) and reads the platform's outcome of
 * each change. Run as a subprocess, as a hub engineer would run it, against a real hub and
 * platform: first on the shipped secured nats-server (deploy/nats/nats.conf: nkey users with least privilege, TLS with
 * client certificates) as the identity regional-eur, then anonymously on an open development server.
 */
const PYTHON = process.env.PYTHON ?? 'python3';
const EXAMPLE_DIR = join(ROOT, 'examples/python');
const CLIENT = join(EXAMPLE_DIR, 'ctp_regional_client.py');
const HUB_SOURCE = '/ctp/hubs/eur';
/**
 * The regional system's token: its hub's organisation, reads at the hub (a record read back after a lost answer) and at
 * the platform. No write scope: every change goes over NATS intake, as the regional identity.
 */
const SYSTEM_SCOPES = 'initiatives:read registry:read';

interface Summary {
  initiativeId: string;
  refused: { statusCode: number; details: { field: string; rule: string; message: string }[] };
  steps: { step: string; version: number; eventId: string; eventType: string; outcome: string; withdrawn: boolean }[];
}

interface RegistryRecord {
  initiativeId: string;
  source: string;
  version: number;
  withdrawn: boolean;
  snapshot: { status: string; withdrawal?: { reason: string } };
  versions: { version: number; eventId: string; eventType: string }[];
}

/** Python 3 with nats-py and PyNaCl, or an error saying how to get them (never a silent skip). */
function requirePython(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import sys, nats, nacl; assert sys.version_info >= (3, 10), sys.version'], {
    encoding: 'utf8',
  });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `the Python client test needs Python >= 3.10 with nats-py and PyNaCl (${PYTHON}: ` +
        `${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}). Install them with ` +
        '`python3 -m pip install -r examples/python/requirements.txt` (.ci/run does), or set PYTHON',
    );
  }
}

/** Runs the client to its end; its last stdout line is the JSON summary (`--json`). */
async function runClient(env: Record<string, string>, localId: string): Promise<Summary> {
  const child = spawn(PYTHON, [CLIENT, '--json', '--local-id', localId, '--platform-timeout', '60'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PYTHONDONTWRITEBYTECODE: '1',
      HUB_REGION: 'eur',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | string | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('killed after 150 s');
    }, 150_000);
    child.once('exit', (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? signal);
    });
  });
  if (code !== 0) throw new Error(`the Python client exited ${String(code)}:\n${stderr}\n${stdout}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as Summary;
}

/** What the platform says, read on its own with an analyst's token: the record, and each version's event outcome. */
async function platformView(platform: ServiceProcess, initiativeId: string) {
  const record = await call<RegistryRecord>(platform.baseUrl, 'GET', `/initiatives/${initiativeId}`);
  expect(record.status).toBe(200);
  const outcomes = await Promise.all(
    record.body.versions.map(async (v) => {
      const r = await call<{ outcome: string; type: string }>(
        platform.baseUrl,
        'GET',
        `/events/${encodeURIComponent(HUB_SOURCE)}/${v.eventId}`,
      );
      expect(r.status).toBe(200);
      return { version: v.version, type: r.body.type, outcome: r.body.outcome };
    }),
  );
  return { record: record.body, outcomes };
}

describe('the Python regional client (examples/python)', () => {
  beforeAll(() => requirePython());

  it('passes its own unit tests (python3 -m unittest in examples/python: nkeys, retries, replies)', () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', '-v'], {
      cwd: EXAMPLE_DIR,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`python3 -m unittest failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
    expect(r.stderr).toMatch(/^OK$/m);
  });

  describe('on the shipped secured nats-server, as regional-eur (nkey seed and TLS client certificate)', () => {
    let server: SecuredNatsServer;
    let hub: ServiceProcess;
    let platform: ServiceProcess;
    const hubDb = TestDatabase.fresh('py_hub');
    const platformDb = TestDatabase.fresh('py_plat');

    beforeAll(async () => {
      server = await SecuredNatsServer.start();
      await provisionFromEnv(server.env('admin'));
      hub = new ServiceProcess(
        'hub',
        { ...server.env('hub-eur'), HUB_REGION: 'eur', PORT: String(await freePort()), DATABASE_URL: hubDb.url },
        'py-hub-eur',
      );
      platform = new ServiceProcess(
        'platform',
        { ...server.env('platform'), PORT: String(await freePort()), DATABASE_URL: platformDb.url },
        'py-platform',
      );
      await Promise.all([hub.start(), platform.start()]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([hub?.stop(), platform?.stop()]);
      await server?.stop();
      await Promise.all([hubDb.drop(), platformDb.drop()]);
    });

    it('reports, updates and withdraws; each change is APPLIED on the platform and the record leaves the rollups', async () => {
      // A live record of the same hub beside it, so that the rollups have something to count.
      const live = await call(hub.baseUrl, 'POST', '/initiatives', initiativeBody({ localId: 'py-live-control' }));
      expect(live.status).toBe(201);

      const summary = await runClient(
        {
          ...server.env('regional-eur'),
          CTP_TOKEN: await tokenFor('IP-HUB-EUR', SYSTEM_SCOPES),
          CTP_HUB_URL: hub.baseUrl,
          CTP_PLATFORM_URL: platform.baseUrl,
        },
        'py-secured-1',
      );

      // What the client saw …
      expect(summary.initiativeId).toBe('IP-HUB-EUR-py-secured-1');
      expect(summary.steps.map((s) => [s.step, s.version, s.outcome])).toEqual([
        ['report', 1, 'APPLIED'],
        ['update', 2, 'APPLIED'],
        ['withdraw', 3, 'APPLIED'],
      ]);
      expect(summary.steps.at(-1)?.withdrawn).toBe(true);
      // … including the hub's refusal of an unknown country, with the field and the rule named.
      expect(summary.refused).toEqual({
        statusCode: 422,
        details: [expect.objectContaining({ field: 'recipientCountries[1]', rule: 'isoCountry' })],
      });

      // What the platform says, read on its own.
      const { record, outcomes } = await platformView(platform, summary.initiativeId);
      expect(record).toMatchObject({ source: HUB_SOURCE, version: 3, withdrawn: true });
      expect(record.snapshot.status).toBe('IMPLEMENTATION');
      expect(record.snapshot.withdrawal?.reason).toBe('reported in error: a test of the Python client');
      expect(outcomes).toEqual([
        { version: 1, type: 'ctp.initiative.reported.v1', outcome: 'APPLIED' },
        { version: 2, type: 'ctp.initiative.updated.v1', outcome: 'APPLIED' },
        { version: 3, type: 'ctp.initiative.withdrawn.v1', outcome: 'APPLIED' },
      ]);
      expect(record.versions.map((v) => v.eventId)).toEqual(summary.steps.map((s) => s.eventId));

      // The rollups count the live record and nothing of the withdrawn one (IMPLEMENTATION: no such row at all).
      const rollup = await call<{ rows: { status: string; reported: number }[]; totals: { reported: number } }>(
        platform.baseUrl,
        'GET',
        '/rollups?groupBy=status',
      );
      expect(rollup.status).toBe(200);
      expect(rollup.body.totals.reported).toBe(1);
      expect(rollup.body.rows).toEqual([expect.objectContaining({ status: 'PIPELINE', reported: 1 })]);

      // All three went in over NATS intake (the hub's intake lines), the withdrawal too: the hub records the regional
      // system as the maker of the record's last change (over HTTP it would be the token's subject).
      const hubRow = await hubDb.query<{ changed_by_sub: string }>(
        `SELECT changed_by_sub FROM initiatives WHERE initiative_id = 'IP-HUB-EUR-py-secured-1'`,
      );
      expect(hubRow).toEqual([{ changed_by_sub: 'nats:regional-eur' }]);
      // The hub's log is written asynchronously: wait for the three lines.
      const intakeLines = await waitFor('the hub intake lines of the three changes', async () => {
        const found = hub
          .logLines()
          .filter((l) => l.msg === 'NATS intake request' && l.initiativeId === summary.initiativeId);
        return found.length >= 3 ? found : undefined;
      });
      expect(intakeLines.map((l) => [l.outcome, l.version])).toEqual([
        ['CREATED', 1],
        ['UPDATED', 2],
        ['WITHDRAWN', 3],
      ]);
    });

    it('logs no permission violation on the server (it asks only its own hub, and reads replies in its own inbox)', () => {
      const seed = readFileSync(server.env('regional-eur').NATS_NKEY_SEED_FILE, 'utf8').trim();
      const regional = nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
      const log = server.log();
      expect(log).toContain('Server is ready');
      const violations = log
        .split('\n')
        .filter((l) => /Violation/i.test(l))
        .map((l) => (l.includes(regional) ? `[regional-eur] ${l}` : l));
      expect(violations).toEqual([]);
    });
  });

  describe('on an open development nats-server, anonymously', () => {
    let nats: TestNatsServer;
    let hub: ServiceProcess;
    let platform: ServiceProcess;
    const hubDb = TestDatabase.fresh('py_open_hub');
    const platformDb = TestDatabase.fresh('py_open_plat');

    beforeAll(async () => {
      nats = await TestNatsServer.start();
      hub = new ServiceProcess(
        'hub',
        { HUB_REGION: 'eur', PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: hubDb.url },
        'py-open-hub-eur',
      );
      platform = new ServiceProcess(
        'platform',
        { PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: platformDb.url },
        'py-open-platform',
      );
      await Promise.all([hub.start(), platform.start()]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([hub?.stop(), platform?.stop()]);
      await nats?.stop();
      await Promise.all([hubDb.drop(), platformDb.drop()]);
    });

    it('runs the same walk-through without credentials', async () => {
      const summary = await runClient(
        {
          NATS_URL: nats.url,
          CTP_TOKEN: await tokenFor('IP-HUB-EUR', SYSTEM_SCOPES),
          CTP_HUB_URL: hub.baseUrl,
          CTP_PLATFORM_URL: platform.baseUrl,
        },
        'py-open-1',
      );
      expect(summary.steps.map((s) => [s.version, s.outcome])).toEqual([
        [1, 'APPLIED'],
        [2, 'APPLIED'],
        [3, 'APPLIED'],
      ]);
      const { record, outcomes } = await platformView(platform, 'IP-HUB-EUR-py-open-1');
      expect(record).toMatchObject({ version: 3, withdrawn: true });
      expect(outcomes.map((o) => o.outcome)).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);
      const rollup = await call<{ totals: { reported: number } }>(platform.baseUrl, 'GET', '/rollups');
      expect(rollup.body.totals.reported).toBe(0);
    });
  });
});
