import { jetstream, jetstreamManager, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { headers, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { CloudEvent } from '@ctp/contracts';
import { DEFAULT_TOPOLOGY, ensureStreams } from '@ctp/messaging';

/** A plain client for tests that play a publisher's part (or a saboteur's). */
export class TestPublisher {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  static async connect(url: string): Promise<TestPublisher> {
    const nc = await connect({ servers: url, name: 'test-publisher' });
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, DEFAULT_TOPOLOGY);
    return new TestPublisher(nc, jetstream(nc), jsm);
  }

  /** Publishes events as a hub's relay would: Nats-Msg-Id = event id unless `msgId` says otherwise. */
  async publishAll(items: { subject: string; event: CloudEvent }[], msgId?: (i: number) => string): Promise<void> {
    const chunk = 500;
    for (let i = 0; i < items.length; i += chunk) {
      await Promise.all(
        items
          .slice(i, i + chunk)
          .map((it, j) =>
            this.js.publish(it.subject, JSON.stringify(it.event), { msgID: msgId ? msgId(i + j) : it.event.id }),
          ),
      );
    }
  }

  async publishRaw(subject: string, payload: string, msgId: string): Promise<void> {
    const h = headers();
    await this.js.publish(subject, payload, { msgID: msgId, headers: h });
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
