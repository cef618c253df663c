import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { EnvReader } from '@ctp/observability';
import {
  generateIdentities,
  identityEnv,
  NatsIdentity,
  natsConnectionSecurity,
  readNatsCredentials,
} from '@ctp/messaging';
import { freePort, NATS_SERVER_BIN, waitForPort } from '../../support/nats-server';
import { ROOT } from '../../support/services';

const NODES = ['a', 'b', 'c'] as const;
export type NodeName = (typeof NODES)[number];

interface ClusterNode {
  name: NodeName;
  serverName: string;
  conf: string;
  clientPort: number;
  proc?: ChildProcess;
}

/**
 * The three-node cluster of deploy/nats/cluster/*.conf, copied to a temporary directory with only its store
 * directories and ports rewritten (free loopback ports instead of 4301-4303, 6301-6303, 8301-8303), so that a node
 * can be killed without touching anything else on the machine. Its identities (users, permissions, TLS for clients and
 * routes) are generated beside it by the same code as `npm run nats:identities`, and included as shipped.
 */
export class TestNatsCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'ctp-nats-cluster-'));
  readonly identitiesDir = join(this.dir, 'identities');
  private constructor(private readonly nodes: ClusterNode[]) {}

  /**
   * Free ports are picked before the nodes bind them, so another process may take one in between: a node that
   * cannot bind is started again, with the whole cluster on new ports (at most three attempts).
   */
  static async start(): Promise<TestNatsCluster> {
    for (let attempt = 1; ; attempt++) {
      const cluster = new TestNatsCluster([]);
      try {
        await cluster.launch();
        return cluster;
      } catch (err) {
        await cluster.stop();
        if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
      }
    }
  }

  private async launch(): Promise<void> {
    generateIdentities({ out: this.identitiesDir });
    mkdirSync(join(this.dir, 'cluster'));
    const sources = NODES.map((n) => ({
      name: n,
      text: readFileSync(join(ROOT, 'deploy/nats/cluster', `node-${n}.conf`), 'utf8'),
    }));
    const ports = new Map<string, number>();
    for (const s of sources) {
      for (const [, port] of s.text.matchAll(/127\.0\.0\.1:(\d+)/g)) {
        if (!ports.has(port)) ports.set(port, await freePort());
      }
    }
    for (const s of sources) {
      const store = join(this.dir, `node-${s.name}`);
      mkdirSync(store, { recursive: true });
      const text = s.text
        .replace(/127\.0\.0\.1:(\d+)/g, (_, port: string) => `127.0.0.1:${ports.get(port)}`)
        .replace(/store_dir:\s*\S+/, `store_dir: "${store}"`);
      // In cluster/, so that the configs' `../identities/…` includes find the generated files.
      const conf = join(this.dir, 'cluster', `node-${s.name}.conf`);
      writeFileSync(conf, text);
      this.nodes.push({
        name: s.name,
        serverName: /server_name:\s*(\S+)/.exec(text)![1],
        conf,
        clientPort: Number(/^listen:\s*127\.0\.0\.1:(\d+)/m.exec(text)![1]),
      });
    }
    await Promise.all(this.nodes.map((n) => this.startNode(n)));
    await this.waitForJetStream();
  }

  get urls(): string[] {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`);
  }

  /** The environment a process needs to connect as `identity`. */
  env(identity: NatsIdentity): Record<string, string> {
    return identityEnv(this.identitiesDir, identity);
  }

  /** A connection as `identity` (admin for the scenario's own checks), reconnecting to another node forever. */
  connectAs(identity: NatsIdentity, name: string): Promise<NatsConnection> {
    const env = this.env(identity);
    const r = new EnvReader(env);
    const credentials = readNatsCredentials(r, identity, env);
    r.done(name);
    return connect({
      servers: this.urls,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      ...natsConnectionSecurity(credentials),
    });
  }

  nodeOf(serverName: string): NodeName {
    const node = this.nodes.find((n) => n.serverName === serverName);
    if (!node) throw new Error(`no node named ${serverName}`);
    return node.name;
  }

  async kill(name: NodeName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.nodes.find((n) => n.name === name)!.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  }

  async restart(name: NodeName): Promise<void> {
    await this.startNode(this.nodes.find((n) => n.name === name)!);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.name, 'SIGTERM')));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startNode(node: ClusterNode): Promise<void> {
    const proc = spawn(NATS_SERVER_BIN, ['-c', node.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    node.proc = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`nats-server ${node.name} exited (${code}): ${stderr}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(node.clientPort, 20_000), exited]);
  }

  /** Until the three have met and elected a JetStream meta leader: before that, creating a stream fails. */
  private async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    const nc = await this.connectAs('admin', 'cluster-check');
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          await jsm.getAccountInfo();
          return;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`JetStream cluster not ready: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await nc.close();
    }
  }
}
