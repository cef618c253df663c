/**
 * The preflight against real servers: a nats-server without JetStream, one that wants a password, nothing listening,
 * and PostgreSQL refusing a login — a role that does not exist on the shared server (28000), and a wrong password on a
 * private cluster of this test's own with scram-sha-256 (28P01), since the shared one trusts 127.0.0.1.
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkNats, checkPostgres, thisMachine } from '../../scripts/preflight';
import { PG_ADMIN_URL } from '../support/databases';
import { freePort, NATS_SERVER_BIN, TestNatsServer, waitForPort } from '../support/nats-server';
import { ROOT } from '../support/services';

const run = promisify(execFile);

/** A plain nats-server with the given arguments (no JetStream unless asked), on a free port. */
async function natsServer(args: string[]): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc: ChildProcess = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), ...args], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: proc.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

function preflightTool(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, [join(ROOT, 'dist/scripts/preflight.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  }).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
}

describe('preflight: NATS', () => {
  const env = { PATH: process.env.PATH ?? '' };

  it('a nats-server without -js: JetStream is not enabled (exit 1)', async () => {
    const server = await natsServer([]);
    try {
      const found = await checkNats(server.url, { env });
      expect(found.kind).toBe('no-jetstream');
      expect(found.message).toMatch(
        new RegExp(`^JetStream is not enabled on ${server.url.replace(/\./g, '\\.')}: start nats-server with -js`),
      );
      // That server, by its pid, restarted with -js: never a command that stops every nats-server here (the shared
      // one on 4222 and other tests' run beside it).
      if (process.platform === 'linux') {
        expect(found.message).toContain(`it is process ${server.pid} (${NATS_SERVER_BIN} -a 127.0.0.1 -p `);
        expect(found.message).toContain(`stop that one only (kill ${server.pid})`);
      }
      expect(found.message).not.toMatch(/--stop|killall|pkill/);
      const r = await preflightTool(['--nats', server.url, '--postgres', PG_ADMIN_URL], {});
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`preflight: JetStream is not enabled on ${server.url}: start nats-server with -js`);
    } finally {
      await server.stop();
    }
  });

  it('a nats-server with JetStream: ready, with its version', async () => {
    const server = await TestNatsServer.start();
    try {
      expect(await checkNats(server.url, { env })).toEqual({
        kind: 'ready',
        message: expect.stringMatching(/^nats-server 2\.\d+\.\d+\S* with JetStream at nats:\/\/127\.0\.0\.1:\d+$/),
      });
    } finally {
      await server.stop();
    }
  });

  it('a nats-server that wants a password: the login refused, naming the variables (exit 3)', async () => {
    const store = mkdtempSync(join(tmpdir(), 'ctp-nats-'));
    const server = await natsServer(['-js', '-sd', store, '--user', 'ops', '--pass', 'right']);
    try {
      const anonymous = await checkNats(server.url, { env });
      expect(anonymous.kind).toBe('login-refused');
      expect(anonymous.message).toContain(`NATS at ${server.url} refused the login`);
      expect(anonymous.message).toContain('set NATS_IDENTITIES_DIR');
      const wrong = await checkNats(server.url, { env: { ...env, NATS_USER: 'ops', NATS_PASSWORD: 'wrong' } });
      expect(wrong.kind).toBe('login-refused');
      expect(wrong.message).toContain('check the admin credentials');
      const right = await checkNats(server.url, { env: { ...env, NATS_USER: 'ops', NATS_PASSWORD: 'right' } });
      expect(right.kind).toBe('ready');
      const r = await preflightTool(['--nats', server.url, '--postgres', PG_ADMIN_URL], {});
      expect(r.code).toBe(3);
    } finally {
      await server.stop();
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('nothing listening: says so, with how to start it here', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const found = await checkNats(url, { env });
    expect(found.kind).toBe('unreachable');
    expect(found.message).toMatch(new RegExp(`^nothing is listening for NATS at ${url.replace(/\./g, '\\.')}; `));
    if (thisMachine().debian) expect(found.message).toContain('start-stop-daemon --start');
  });
});

/**
 * A private PostgreSQL cluster that asks for passwords over TCP (scram-sha-256). PostgreSQL refuses to run as root:
 * then it runs as the `postgres` user.
 */
class PasswordCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'ctp-pg-auth-'));
  private readonly owner?: { uid: number; gid: number };
  private readonly bin: string;

  constructor(readonly port: number) {
    const versions = existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql').sort((a, b) => +a - +b)
      : [];
    this.bin = process.env.PG_BIN ?? join('/usr/lib/postgresql', versions[versions.length - 1] ?? '15', 'bin');
    if (userInfo().uid === 0) {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
      this.owner = { uid: id('-u'), gid: id('-g') };
      chownSync(this.dir, this.owner.uid, this.owner.gid);
    }
  }

  async start(password: string): Promise<void> {
    const pwfile = join(this.dir, 'pw');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (this.owner) chownSync(pwfile, this.owner.uid, this.owner.gid);
    const data = join(this.dir, 'data');
    await this.pg('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-sync',
    ]);
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir}`;
    await this.pg('pg_ctl', ['-D', data, '-l', join(this.dir, 'server.log'), '-o', options, '-w', 'start']);
  }

  async destroy(): Promise<void> {
    await this.pg('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pg(bin: string, args: string[]): Promise<void> {
    await run(join(this.bin, bin), args, {
      cwd: this.dir,
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
      ...this.owner,
    });
  }
}

describe('preflight: PostgreSQL', () => {
  let cluster: PasswordCluster;
  let nats: TestNatsServer;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    cluster = new PasswordCluster(await freePort());
    await cluster.start('right-password');
  });
  afterAll(async () => {
    await cluster?.destroy();
    await nats?.stop();
  });

  it('a wrong password: the login refused (28P01), naming the variables to set (exit 3)', async () => {
    const url = `postgres://postgres:wrong@127.0.0.1:${cluster.port}/postgres`;
    const found = await checkPostgres(url, { loginVariables: 'PGUSER and PGPASSWORD' });
    expect(found.kind).toBe('login-refused');
    expect(found.message).toMatch(
      new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${cluster.port} refused the login of "postgres" \\(28P01: `),
    );
    expect(found.message).toContain('set PGUSER and PGPASSWORD to a role and password it accepts');
    expect(found.message).not.toContain('wrong');
    // The tool, as npm start would be configured: PG* variables.
    const r = await preflightTool([], {
      PGHOST: '127.0.0.1',
      PGPORT: String(cluster.port),
      PGUSER: 'postgres',
      PGPASSWORD: 'wrong',
      NATS_URL: nats.url,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`PostgreSQL at 127.0.0.1:${cluster.port} refused the login of "postgres" (28P01`);
    expect(r.stderr).toContain('set PGUSER and PGPASSWORD (or PGADMIN_URL)');
  });

  it('no password given to a server that asks for one: the login refused, naming the variable to set (exit 3)', async () => {
    expect(process.env.PGPASSWORD).toBeUndefined();
    const found = await checkPostgres(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`, { env: {} });
    expect(found).toEqual({
      kind: 'login-refused',
      message: expect.stringMatching(
        new RegExp(
          `^PostgreSQL at 127\\.0\\.0\\.1:${cluster.port} refused the login of "postgres": it asks for a password ` +
            'and none was given .*: set PGPASSWORD \\(or the password in DATABASE_URL\\)$',
        ),
      ),
    });
    const r = await preflightTool([], {
      PGHOST: '127.0.0.1',
      PGPORT: String(cluster.port),
      PGUSER: 'postgres',
      NATS_URL: nats.url,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('it asks for a password and none was given');
    expect(r.stderr).toContain('set PGPASSWORD (or the password in PGADMIN_URL)');
  });

  it('the right password: ready, with the version', async () => {
    const found = await checkPostgres(`postgres://postgres:right-password@127.0.0.1:${cluster.port}/postgres`);
    expect(found).toEqual({
      kind: 'ready',
      message: expect.stringMatching(new RegExp(`^PostgreSQL \\d+\\.\\d+ at 127\\.0\\.0\\.1:${cluster.port}$`)),
    });
  });

  it('a role the shared server does not know: the login refused (28000)', async () => {
    const url = new URL(PG_ADMIN_URL);
    url.username = 'ctp_no_such_role';
    url.password = '';
    const found = await checkPostgres(url.toString());
    expect(found.kind).toBe('login-refused');
    expect(found.message).toContain('refused the login of "ctp_no_such_role" (28000: ');
    expect(found.message).toContain('set PGUSER and PGPASSWORD (or DATABASE_URL)');
  });

  it('nothing listening: says so', async () => {
    const found = await checkPostgres(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
    expect(found.kind).toBe('unreachable');
    expect(found.message).toMatch(/^nothing is listening for PostgreSQL on 127\.0\.0\.1:\d+ /);
  });
});
