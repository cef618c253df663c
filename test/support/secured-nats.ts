import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { NatsConnection } from '@nats-io/nats-core';
import {
  generateIdentities,
  identityEnv,
  NatsIdentity,
  natsConnectionSecurity,
  readNatsCredentials,
} from '@ctp/messaging';
import { EnvReader } from '@ctp/observability';
import { freePort, NATS_SERVER_BIN, waitForPort } from './nats-server';
import { ROOT } from './services';

/**
 * A private nats-server started from the project's own deploy/nats/nats.conf — its authorization and TLS includes as
 * shipped, with identities made by the same generator as `npm run nats:identities` — changed only in its ports and
 * store directory, so permission tests exercise exactly what a deployment runs.
 */
export class SecuredNatsServer {
  private proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'ctp-secured-nats-'));
  readonly identitiesDir = join(this.dir, 'identities');
  readonly logFile = join(this.dir, 'nats-server.log');

  private constructor(readonly port: number) {}

  static async start(options: { tls?: boolean } = {}): Promise<SecuredNatsServer> {
    const server = new SecuredNatsServer(await freePort());
    generateIdentities({ out: server.identitiesDir, tls: options.tls ?? true });
    const monitor = await freePort();
    const text = readFileSync(join(ROOT, 'deploy/nats/nats.conf'), 'utf8')
      .replace(/^listen:.*$/m, `listen: 127.0.0.1:${server.port}`)
      .replace(/^http:.*$/m, `http: 127.0.0.1:${monitor}`)
      .replace(/store_dir:\s*\S+/, `store_dir: "${join(server.dir, 'store')}"`);
    writeFileSync(join(server.dir, 'nats.conf'), text);
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The environment a process needs to connect as `identity` (seed, CA and client certificate). */
  env(identity: NatsIdentity): Record<string, string> {
    return { NATS_URL: this.url, ...identityEnv(this.identitiesDir, identity) };
  }

  /** A nats.js connection as `identity`, exactly as the services make it. */
  async connectAs(identity: NatsIdentity, name = `test-${identity}`): Promise<NatsConnection> {
    const env = this.env(identity);
    const r = new EnvReader(env);
    const credentials = readNatsCredentials(r, identity, env);
    r.done('test');
    return connect({ servers: this.url, name, timeout: 5000, ...natsConnectionSecurity(credentials) });
  }

  /** The server's own log: permission violations are written there. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  async restart(): Promise<void> {
    mkdirSync(join(this.dir, 'store'), { recursive: true });
    this.proc = spawn(NATS_SERVER_BIN, ['-c', join(this.dir, 'nats.conf'), '-l', this.logFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    this.proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      this.proc!.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${stderr.slice(-500)}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(this.port), exited]);
  }

  /** A copy of the identities folder, e.g. to break one identity's seed without touching the others. */
  copyIdentities(to: string): string {
    cpSync(this.identitiesDir, to, { recursive: true });
    return to;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
