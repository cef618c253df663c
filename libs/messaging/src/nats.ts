import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { describeNatsFailure, NatsCredentials, natsConnectionSecurity } from './nats-credentials';

export interface NatsConnectSpec {
  url: string;
  /** Shown in the server's connz, so an operator can tell connections apart. */
  name: string;
  /** Give up the first connection after this long; after that, reconnect forever. */
  connectTimeoutMs?: number;
  /** Who this process is on NATS; anonymous without. */
  credentials?: NatsCredentials;
}

export async function connectNats(spec: NatsConnectSpec): Promise<NatsConnection> {
  try {
    return await connect({
      servers: spec.url.split(',').map((s) => s.trim()),
      name: spec.name,
      timeout: spec.connectTimeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
      // Capturing a stack trace for every request/publish costs a few % of CPU at our rates; errors still say what failed.
      noAsyncTraces: true,
      ...natsConnectionSecurity(spec.credentials),
    });
  } catch (err) {
    throw new Error(describeNatsFailure(err, spec.credentials, spec.url), { cause: err });
  }
}
