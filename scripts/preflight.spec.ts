import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './cli';
import {
  describePostgresFailure,
  jetStreamProblem,
  listeningProcess,
  Machine,
  MINIMUM_VERSIONS,
  natsRestartHint,
  natsStartHint,
  natsVersionProblem,
  postgresStartHint,
  postgresVersionProblem,
  run,
  USAGE,
  versionAtLeast,
} from './preflight';

const DEBIAN: Machine = { debian: true, postgresVersions: ['15'], natsServer: '/usr/sbin/nats-server' };
const DEBIAN_BARE: Machine = { debian: true, postgresVersions: [] };
const ELSEWHERE: Machine = { debian: false, postgresVersions: [] };

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('preflight: PostgreSQL', () => {
  const url = 'postgres://ops:secret@127.0.0.1:5432/postgres';

  it('28P01: the login refused, naming the variables to set', () => {
    const p = describePostgresFailure(pgError('28P01', 'password authentication failed for user "ops"'), url, {
      machine: DEBIAN,
      loginVariables: 'PGUSER and PGPASSWORD',
    });
    expect(p).toEqual({
      kind: 'login-refused',
      message:
        'PostgreSQL at 127.0.0.1:5432 refused the login of "ops" (28P01: password authentication failed for user "ops"): ' +
        'set PGUSER and PGPASSWORD to a role and password it accepts',
    });
    expect(p.message).not.toContain('secret');
  });

  it('a password the server asks for and none was given (SCRAM): the login refused, naming the variable to set', () => {
    // What node-postgres throws, before sending anything, when it has no password for a scram-sha-256 login.
    const err = new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string');
    const p = describePostgresFailure(err, 'postgres://ops@127.0.0.1:5432/postgres', { machine: DEBIAN, env: {} });
    expect(p).toEqual({
      kind: 'login-refused',
      message:
        'PostgreSQL at 127.0.0.1:5432 refused the login of "ops": it asks for a password and none was given ' +
        '(SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string): ' +
        'set PGPASSWORD (or the password in DATABASE_URL)',
    });
    // An empty one, and the variable as the calling tool names it.
    const empty = new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a non-empty string');
    expect(
      describePostgresFailure(empty, 'postgres://ops:@db:5432/postgres', {
        machine: DEBIAN,
        passwordVariable: 'PGPASSWORD (or the password in PGADMIN_URL)',
      }).message,
    ).toMatch(
      /^PostgreSQL at db:5432 refused the login of "ops": .*: set PGPASSWORD \(or the password in PGADMIN_URL\)$/,
    );
  });

  it('28P01 without a password (md5, password): the login refused, and that no password was given', () => {
    const err = pgError('28P01', 'password authentication failed for user "ops"');
    const none = describePostgresFailure(err, 'postgres://ops@127.0.0.1:5432/postgres', { machine: DEBIAN, env: {} });
    expect(none.kind).toBe('login-refused');
    expect(none.message).toContain('no password was given: set PGPASSWORD (or the password in DATABASE_URL)');
    // PGPASSWORD set (node-postgres reads it): a wrong password, not a missing one.
    const wrong = describePostgresFailure(err, 'postgres://ops@127.0.0.1:5432/postgres', {
      machine: DEBIAN,
      env: { PGPASSWORD: 'x' },
    });
    expect(wrong.message).not.toContain('no password was given');
    expect(wrong.message).toContain('to a role and password it accepts');
  });

  it('28000 from pg_hba.conf: the login refused, and where to allow it', () => {
    const p = describePostgresFailure(
      pgError('28000', 'no pg_hba.conf entry for host "127.0.0.1", user "ops", database "postgres", no encryption'),
      url,
      { machine: DEBIAN },
    );
    expect(p.kind).toBe('login-refused');
    expect(p.message).toContain('set PGUSER and PGPASSWORD (or DATABASE_URL)');
    expect(p.message).toContain('pg_hba.conf');
  });

  it('nothing listening: how to start it on Debian, or elsewhere', () => {
    const refused = pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
    expect(describePostgresFailure(refused, url, { machine: DEBIAN })).toEqual({
      kind: 'unreachable',
      message:
        'nothing is listening for PostgreSQL on 127.0.0.1:5432 (connect ECONNREFUSED 127.0.0.1:5432); ' +
        'start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start',
    });
    expect(describePostgresFailure(refused, url, { machine: DEBIAN_BARE }).message).toContain(
      'apt-get install postgresql',
    );
    const generic = describePostgresFailure(refused, url, { machine: ELSEWHERE }).message;
    expect(generic).toContain('start PostgreSQL 14 or later on 127.0.0.1:5432');
    expect(generic).toContain('docker run -d -p 5432:5432');
  });

  it('every address refused (an AggregateError without a code of its own)', () => {
    const err = new AggregateError([pgError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], '');
    expect(describePostgresFailure(err, 'postgres://localhost/postgres', { machine: DEBIAN }).kind).toBe('unreachable');
  });

  it('another host: no local command, the variables instead', () => {
    const p = describePostgresFailure(pgError('ETIMEDOUT', 'connect ETIMEDOUT'), 'postgres://db.internal:6432/x', {
      machine: DEBIAN,
    });
    expect(p.kind).toBe('unreachable');
    expect(p.message).toContain('PostgreSQL does not answer on db.internal:6432');
    expect(p.message).toContain('set PGHOST/PGPORT');
    expect(p.message).not.toContain('pg_ctlcluster');
  });

  it('how to start it: one Debian cluster, several, on another port', () => {
    expect(postgresStartHint({ ...DEBIAN, postgresVersions: ['13', '15'] }, '127.0.0.1', 5432)).toBe(
      'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | tail -n1) main start',
    );
    expect(postgresStartHint(DEBIAN, 'localhost', 5433)).toBe(
      'start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start (or, if it runs on another port than 5433, set PGPORT or DATABASE_URL to that)',
    );
  });

  it('an unknown host, a missing database', () => {
    expect(describePostgresFailure(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND dbx'), 'postgres://dbx/p').kind).toBe(
      'unreachable',
    );
    expect(describePostgresFailure(pgError('3D000', 'database "x" does not exist'), 'postgres://h/x').message).toBe(
      'PostgreSQL at h:5432 has no database "x" (database "x" does not exist)',
    );
  });

  it('too old: below 14', () => {
    expect(postgresVersionProblem(150020, '15.20 (Debian 15.20-0+deb12u1)', 'h:5432')).toBeUndefined();
    expect(postgresVersionProblem(140000, '14.0', 'h:5432')).toBeUndefined();
    expect(postgresVersionProblem(130012, '13.12', 'h:5432')).toEqual({
      kind: 'too-old',
      message: expect.stringMatching(/^PostgreSQL at h:5432 is 13\.12: this system needs PostgreSQL 14 or later/),
    });
  });
});

describe('preflight: NATS', () => {
  it('versions', () => {
    expect(versionAtLeast('2.9.10', [2, 9, 0])).toBe(true);
    expect(versionAtLeast('2.10.0-beta.1', [2, 9, 0])).toBe(true);
    expect(versionAtLeast('v3.0.0', [2, 9, 0])).toBe(true);
    expect(versionAtLeast('2.9.0', [2, 9, 0])).toBe(true);
    expect(versionAtLeast('2.8.4', [2, 9, 0])).toBe(false);
    expect(versionAtLeast('1.4.1', [2, 9, 0])).toBe(false);
    expect(MINIMUM_VERSIONS.nats.text).toBe('2.9');
    expect(natsVersionProblem('2.9.10', 'nats://h:4222')).toBeUndefined();
    expect(natsVersionProblem('2.8.4', 'nats://h:4222')?.message).toMatch(
      /^nats-server at nats:\/\/h:4222 is 2\.8\.4: this system needs nats-server 2\.9 or later/,
    );
  });

  it('how to start it: Debian with and without the package, elsewhere, another host', () => {
    const local = new URL('nats://127.0.0.1:4222');
    expect(natsStartHint(DEBIAN, local)).toBe(
      'start it with: mkdir -p /var/lib/nats-server && start-stop-daemon --start --oknodo --background ' +
        '--make-pidfile --pidfile /run/nats-server.pid --exec /usr/sbin/nats-server -- ' +
        '-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
    );
    // Another port: its own pid file (start-stop-daemon looks at that server only, not one on 4222), store and log.
    expect(natsStartHint(DEBIAN, new URL('nats://127.0.0.1:4333'))).toBe(
      'start it with: mkdir -p /var/lib/nats-server-4333 && start-stop-daemon --start --oknodo --background ' +
        '--make-pidfile --pidfile /run/nats-server-4333.pid --exec /usr/sbin/nats-server -- ' +
        '-a 127.0.0.1 -p 4333 -js -sd /var/lib/nats-server-4333 -l /var/log/nats-server-4333.log',
    );
    expect(natsStartHint(DEBIAN_BARE, local)).toMatch(/^install and start it: apt-get install nats-server && /);
    expect(natsStartHint({ ...ELSEWHERE, natsServer: '/opt/bin/nats-server' }, local)).toBe(
      'start it with: /opt/bin/nats-server -a 127.0.0.1 -p 4222 -js -sd ./.ctp/nats &',
    );
    expect(natsStartHint(ELSEWHERE, local)).toContain('docker run -d -p 4222:4222 nats:2.9 -js');
    expect(natsStartHint(DEBIAN, new URL('nats://nats.internal:4222'))).toMatch(
      /^check that nats-server 2\.9 or later runs with JetStream on nats\.internal:4222/,
    );
  });

  it('JetStream: no responder to $JS.API.INFO means not enabled, with how to restart it', () => {
    const noResponders = Object.assign(new Error("no responders: '$JS.API.INFO'"), {
      isNoResponders: () => true,
    });
    const listener = { pid: 4242, argv: ['/usr/sbin/nats-server', '-a', '127.0.0.1', '-p', '4333'] };
    const p = jetStreamProblem({ error: noResponders }, new URL('nats://127.0.0.1:4333'), DEBIAN, listener);
    expect(p?.kind).toBe('no-jetstream');
    expect(p?.message).toBe(
      'JetStream is not enabled on nats://127.0.0.1:4333: start nats-server with -js (or a jetstream {} block in ' +
        'its configuration); it is process 4242 (/usr/sbin/nats-server -a 127.0.0.1 -p 4333): stop that one only ' +
        '(kill 4242), then start it again with JetStream: /usr/sbin/nats-server -a 127.0.0.1 -p 4333 -js ' +
        '-sd /var/lib/nats-server-4333',
    );
    // Never a command that stops every nats-server of the machine.
    expect(p?.message).not.toMatch(/--stop|killall|pkill/);
    const cause = Object.assign(new Error('no responders'), { name: 'NoRespondersError' });
    expect(jetStreamProblem({ error: new Error('x', { cause }) }, new URL('nats://h:1'), ELSEWHERE)?.kind).toBe(
      'no-jetstream',
    );
  });

  it('restarting the server without JetStream: that process only, whatever is known of it', () => {
    const url = new URL('nats://127.0.0.1:4222');
    // Debian's service: its configuration, and systemctl.
    expect(
      natsRestartHint(DEBIAN, url, { pid: 77, argv: ['/usr/sbin/nats-server', '-c', '/etc/nats-server.conf'] }),
    ).toBe(
      `it is Debian's nats-server service (pid 77): add "jetstream { store_dir: /var/lib/nats-server }" to ` +
        '/etc/nats-server.conf, then systemctl restart nats-server',
    );
    // Another process with a configuration file: its own command line again, its store from the configuration.
    expect(natsRestartHint(ELSEWHERE, url, { pid: 9, argv: ['nats-server', '-c', '/tmp/my nats.conf'] })).toBe(
      "it is process 9 (nats-server -c '/tmp/my nats.conf'): stop that one only (kill 9), then start it again with " +
        "JetStream: nats-server -c '/tmp/my nats.conf' -js (or add a jetstream {} block to /tmp/my nats.conf)",
    );
    // A store given already is kept.
    expect(natsRestartHint(ELSEWHERE, url, { pid: 9, argv: ['nats-server', '-sd', '/data'] })).toContain(
      'again with JetStream: nats-server -sd /data -js',
    );
    // Its process unknown (another user's, or no /proc): how to find it, never how to stop them all.
    const unknown = natsRestartHint(DEBIAN, url);
    expect(unknown).toBe(
      "stop the nats-server on port 4222 only (its pid: ss -ltnp 'sport = :4222'); Debian's service: add a " +
        'jetstream {} block to /etc/nats-server.conf, then systemctl restart nats-server; then ' +
        natsStartHint(DEBIAN, url),
    );
    expect(natsRestartHint(ELSEWHERE, url)).toContain('lsof -iTCP:4222 -sTCP:LISTEN');
    for (const hint of [unknown, natsRestartHint(ELSEWHERE, url)]) expect(hint).not.toMatch(/--stop|killall|pkill/);
    // Another host: nothing to run here.
    expect(natsRestartHint(DEBIAN, new URL('nats://nats.internal:4222'))).toMatch(/^check that nats-server 2\.9/);
  });

  it('finds the process listening on a port: this one, for a server it opened', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      if (process.platform !== 'linux') return;
      // Its command line as /proc has it (process.argv[0] is rewritten to the executable's path; the rest is as run).
      expect(listeningProcess(port)).toEqual({ pid: process.pid, argv: expect.arrayContaining([process.argv[1]]) });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(listeningProcess(port)).toBeUndefined();
  });

  it('finds the process listening on a port from /proc: LISTEN sockets only, IPv4 or IPv6', () => {
    const proc = mkdtempSync(join(tmpdir(), 'ctp-proc-'));
    try {
      mkdirSync(join(proc, 'net'));
      const header =
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
      // 0x10F1 = 4337: inode 111 LISTEN (0A) on 127.0.0.1; inode 222 an established connection (01) from that port.
      writeFileSync(
        join(proc, 'net/tcp'),
        header +
          '   0: 0100007F:10F1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1\n' +
          '   1: 0100007F:10F1 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1\n',
      );
      // 0x10F2 = 4338, on ::1.
      writeFileSync(
        join(proc, 'net/tcp6'),
        header +
          '   0: 00000000000000000000000001000000:10F2 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1\n',
      );
      const processOf = (pid: number, inode: string, argv: string[]) => {
        mkdirSync(join(proc, String(pid), 'fd'), { recursive: true });
        symlinkSync(`socket:[${inode}]`, join(proc, String(pid), 'fd', '3'));
        writeFileSync(join(proc, String(pid), 'cmdline'), argv.join('\0') + '\0');
      };
      processOf(10, '222', ['client']);
      processOf(20, '111', ['nats-server', '-p', '4337']);
      processOf(30, '333', ['nats-server', '-p', '4338']);
      expect(listeningProcess(4337, proc)).toEqual({ pid: 20, argv: ['nats-server', '-p', '4337'] });
      expect(listeningProcess(4338, proc)).toEqual({ pid: 30, argv: ['nats-server', '-p', '4338'] });
      expect(listeningProcess(4339, proc)).toBeUndefined();
      expect(listeningProcess(4337, join(proc, 'absent'))).toBeUndefined();
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });

  it('JetStream: an account without it, a permission the identity lacks, an answer', () => {
    const url = new URL('nats://127.0.0.1:4222');
    expect(
      jetStreamProblem(
        { reply: { error: { code: 503, description: 'JetStream not enabled for account' } } },
        url,
        DEBIAN,
      ),
    ).toEqual({
      kind: 'no-jetstream',
      message: expect.stringContaining('JetStream is not enabled for this account on nats://127.0.0.1:4222 (503'),
    });
    expect(jetStreamProblem({ error: new Error('Permissions Violation for Publish') }, url, DEBIAN)).toBeUndefined();
    expect(jetStreamProblem({ reply: { type: 'io.nats.jetstream.api.v1.account_info_response' } }, url, DEBIAN)).toBe(
      undefined,
    );
  });
});

describe('preflight command line', () => {
  function sink() {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t) } };
  }

  it('--help: usage, minimum versions and exit codes, exit 0, nothing checked', async () => {
    const { out, io } = sink();
    expect(await runTool('preflight', USAGE, ['--help'], (a) => run(a, {}, io), io)).toBe(0);
    expect(out.stdout).toContain('Usage: npm run preflight [-- --nats <url> --postgres <url>]');
    expect(out.stdout).toContain('PostgreSQL 14 or later, nats-server 2.9 or later');
    expect(out.stdout).toContain('3  cannot connect');
  });

  it('an unknown option: exit 2', async () => {
    const { out, io } = sink();
    expect(await runTool('preflight', USAGE, ['--pg', 'x'], (a) => run(a, {}, io), io)).toBe(2);
    expect(out.stderr).toMatch(/^preflight: Unknown option '--pg'/);
  });

  it('nothing listening on either: exit 3, one line each', async () => {
    const { out, io } = sink();
    const argv = ['--nats', 'nats://127.0.0.1:1', '--postgres', 'postgres://postgres@127.0.0.1:1/postgres'];
    expect(await runTool('preflight', USAGE, argv, (a) => run(a, {}, io), io)).toBe(3);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^preflight: nothing is listening for NATS at nats:\/\/127\.0\.0\.1:1; /);
    expect(lines[1]).toMatch(/^preflight: nothing is listening for PostgreSQL on 127\.0\.0\.1:1 /);
  });
});
