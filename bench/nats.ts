import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_SERVER_OPTIONS, NatsIdentity } from '@ctp/messaging';
import { provisionJetStream } from '../scripts/nats-provision';
import { TestNatsServer } from '../test/support/nats-server';
import { SecuredNatsServer } from '../test/support/secured-nats';

export const NATS_MODES = ['open', 'secured'] as const;
export type NatsMode = (typeof NATS_MODES)[number];

/**
 * The bench's private nats-server (BENCH_NATS). `open`, the default: no authentication, and every process makes the
 * streams and consumers it needs. `secured`: the shipped deploy/nats/nats.conf (nkey users with least-privilege
 * permissions, TLS with client certificates) with generated identities; every service connects as its own identity,
 * the bench's tooling and the floor as `admin`, and admin provisions the streams and consumers first, as `npm start`.
 */
export class BenchNats {
  private constructor(
    readonly mode: NatsMode,
    private readonly server: TestNatsServer | SecuredNatsServer,
  ) {}

  static async start(mode: NatsMode): Promise<BenchNats> {
    return new BenchNats(mode, mode === 'secured' ? await SecuredNatsServer.start() : await TestNatsServer.start());
  }

  get url(): string {
    return this.server.url;
  }

  /** In the server's command line: how the CPU meter finds it. */
  get dir(): string {
    return this.server.dir;
  }

  /** NATS_URL and, when secured, the credentials of `identity` (seed, CA, client certificate). */
  env(identity: NatsIdentity): Record<string, string> {
    return this.server instanceof SecuredNatsServer ? this.server.env(identity) : { NATS_URL: this.url };
  }

  /** A connection for the bench's own tooling: `admin` when secured. */
  connect(name: string): Promise<NatsConnection> {
    return this.server instanceof SecuredNatsServer
      ? this.server.connectAs('admin', name)
      : connect({ servers: this.url, name });
  }

  /**
   * Secured: the streams and every service's durable consumers, made as admin (a service identity may only check
   * that they exist), with the platform's ack wait from `serviceEnv`. Open: nothing, the services make their own.
   */
  async provision(serviceEnv: Record<string, string> = {}): Promise<void> {
    if (this.mode === 'open') return;
    const nc = await this.connect('bench-provision');
    try {
      await provisionJetStream(await jetstreamManager(nc, { checkAPI: false }), {
        replicas: 1,
        platformAckWaitMs: Number(serviceEnv.CONSUMER_ACK_WAIT_MS || DEFAULT_SERVER_OPTIONS.ackWaitMs),
      });
    } finally {
      await nc.close();
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    const stopped = s.stop();
    const timer = s instanceof TestNatsServer ? setTimeout(() => s.kill('SIGKILL'), 10_000) : undefined;
    await stopped;
    clearTimeout(timer);
  }
}
