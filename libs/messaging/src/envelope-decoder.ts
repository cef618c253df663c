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
