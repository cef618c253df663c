import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/nats-server';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

/**
 * A PostgreSQL server of a scenario's own (initdb into a temporary directory, a free loopback port, trust auth, its
 * unix socket in that directory, fsync on), so that it can be stopped abruptly without touching the shared one.
 * PostgreSQL refuses to run as root: when the tests run as root, the server runs as the `postgres` user.
 */
export class TestPostgresCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'ctp-pg-'));
  private readonly owner?: { uid: number; gid: number };

  private constructor(readonly port: number) {
    if (userInfo().uid === 0) {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
      this.owner = { uid: id('-u'), gid: id('-g') };
      chownSync(this.dir, this.owner.uid, this.owner.gid);
    }
  }

  static async create(): Promise<TestPostgresCluster> {
    const cluster = new TestPostgresCluster(await freePort());
    await cluster.pg('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await cluster.start();
    return cluster;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=${this.dir}`,
      `-c fsync=on`,
      `-c max_connections=200`,
    ].join(' ');
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', 'start']);
  }

  /** `pg_ctl stop -m immediate`: every backend is killed, no checkpoint; the next start runs crash recovery. */
  async stopImmediately(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pg(bin: string, args: string[]): Promise<void> {
    await run(join(PG_BIN, bin), args, {
      cwd: this.dir,
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
      ...this.owner,
    });
  }
}
