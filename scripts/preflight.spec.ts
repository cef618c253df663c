import { runTool } from './cli';
import {
  describePostgresFailure,
  jetStreamProblem,
  Machine,
  MINIMUM_VERSIONS,
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
      'start it with: mkdir -p /var/lib/nats-server && start-stop-daemon --start --oknodo --background --exec ' +
        '/usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
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
    const p = jetStreamProblem({ error: noResponders }, new URL('nats://127.0.0.1:4333'), DEBIAN);
    expect(p?.kind).toBe('no-jetstream');
    expect(p?.message).toMatch(/^JetStream is not enabled on nats:\/\/127\.0\.0\.1:4333: start nats-server with -js/);
    expect(p?.message).toContain('start-stop-daemon --stop --oknodo --exec /usr/sbin/nats-server');
    expect(p?.message).toContain('-p 4333 -js');
    const cause = Object.assign(new Error('no responders'), { name: 'NoRespondersError' });
    expect(jetStreamProblem({ error: new Error('x', { cause }) }, new URL('nats://h:1'), ELSEWHERE)?.kind).toBe(
      'no-jetstream',
    );
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
