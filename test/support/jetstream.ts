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

  /**
   * Publishes an event in CloudEvents binary mode, as a plain NATS client of another system would (the CloudEvents
   * NATS binding): every attribute but `data` as a `ce-` header, percent-encoded, the data alone as the body;
   * `Nats-Msg-Id` = the event id unless `msgId` says otherwise. `omit` leaves attributes out (a broken publisher).
   */
  async publishBinary(
    subject: string,
    event: CloudEvent,
    options: { msgId?: string; omit?: string[]; contentType?: string } = {},
  ): Promise<void> {
    const h = headers();
    for (const [name, value] of Object.entries(event)) {
      if (name === 'data' || value === undefined || options.omit?.includes(name)) continue;
      h.set(`ce-${name}`, percentEncode(String(value)));
    }
    if (options.contentType) h.set('Content-Type', options.contentType);
    await this.js.publish(subject, JSON.stringify(event.data), { msgID: options.msgId ?? event.id, headers: h });
  }

  /** Publishes `payload` as it is, with `Nats-Msg-Id` `msgId` and any `extraHeaders` (a broken or lying publisher). */
  async publishRaw(
    subject: string,
    payload: string,
    msgId: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<void> {
    const h = headers();
    for (const [name, value] of Object.entries(extraHeaders)) h.set(name, value);
    await this.js.publish(subject, payload, { msgID: msgId, headers: h });
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** A header value as the CloudEvents NATS binding encodes it: space, `"`, `%` and anything outside printable ASCII. */
export function percentEncode(value: string): string {
  let out = '';
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && c !== '"' && c !== '%') out += c;
    else for (const b of Buffer.from(c, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
