import { CloudEvent } from '@ctp/contracts';
import { PermanentEventError } from './errors';

const REQUIRED_STRINGS = ['id', 'source', 'type'] as const;

/**
 * Turns the bytes of a message into a CloudEvent, or says precisely why it cannot (a poison message): the reason
 * becomes the dead letter's `Ctp-Dlq-Reason` header.
 */
export function decodeEnvelope(data: Uint8Array): CloudEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new PermanentEventError('UNDECODABLE', `payload is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PermanentEventError('INVALID_ENVELOPE', 'payload is not a JSON object');
  }
  const e = parsed as Record<string, unknown>;
  if (e.specversion !== '1.0') {
    throw new PermanentEventError(
      'INVALID_ENVELOPE',
      `specversion must be "1.0", got ${JSON.stringify(e.specversion)}`,
    );
  }
  for (const field of REQUIRED_STRINGS) {
    if (typeof e[field] !== 'string' || (e[field] as string).length === 0) {
      throw new PermanentEventError('INVALID_ENVELOPE', `${field} must be a non-empty string`);
    }
  }
  if (e.data === undefined || e.data === null || typeof e.data !== 'object' || Array.isArray(e.data)) {
    throw new PermanentEventError('INVALID_ENVELOPE', 'data must be a JSON object');
  }
  return e as unknown as CloudEvent;
}

/**
 * For subjects fed by a stock NestJS `ClientProxy.emit()` (or a plain client sending the same JSON): the packet
 * `{ pattern, data }` becomes an envelope of type `type`, identified by its Nats-Msg-Id when the sender set one and
 * otherwise by its stream position (so a redelivery is still recognised).
 */
export function nestPacketDecoder(type: string, source: string) {
  return (msg: {
    data: Uint8Array;
    seq: number;
    headers?: { get(k: string): string } | undefined;
    info: { stream: string };
    time: Date;
  }): CloudEvent => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(msg.data).toString('utf8'));
    } catch (err) {
      throw new PermanentEventError('UNDECODABLE', `payload is not JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PermanentEventError('INVALID_ENVELOPE', 'payload is not a JSON object');
    }
    const packet = parsed as { data?: unknown; pattern?: unknown };
    const data = 'data' in packet && 'pattern' in packet ? packet.data : parsed;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new PermanentEventError('INVALID_ENVELOPE', 'data must be a JSON object');
    }
    const msgId = msg.headers?.get('Nats-Msg-Id');
    const correlationid = msg.headers?.get('X-Correlation-Id') || msg.headers?.get('Ctp-Correlation-Id') || undefined;
    return {
      specversion: '1.0',
      id: msgId || `${msg.info.stream}:${msg.seq}`,
      source,
      type,
      time: msg.time.toISOString(),
      datacontenttype: 'application/json',
      ...(correlationid ? { correlationid } : {}),
      data,
    };
  };
}
