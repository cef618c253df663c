import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

export interface NatsConnectSpec {
  url: string;
  /** Shown in the server's connz, so an operator can tell connections apart. */
  name: string;
  /** Give up the first connection after this long; after that, reconnect forever. */
  connectTimeoutMs?: number;
}

export async function connectNats(spec: NatsConnectSpec): Promise<NatsConnection> {
  return connect({
    servers: spec.url.split(',').map((s) => s.trim()),
    name: spec.name,
    timeout: spec.connectTimeoutMs ?? 5000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
    // Capturing a stack trace for every request/publish costs a few % of CPU at our rates; errors still say what failed.
    noAsyncTraces: true,
  });
}
