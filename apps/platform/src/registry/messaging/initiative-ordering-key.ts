import { CloudEvent, INITIATIVE_EVENT_TYPES } from '@ctp/contracts';

/**
 * An initiative event is about its initiative's registry row: two batches at once never hold the same initiative.
 * Anything else (a digest, compared with the registry as the events before it left it) waits for the batches before
 * it, and holds back those after it.
 */
export function initiativeOrderingKey(envelope: CloudEvent): string | undefined {
  if (!(INITIATIVE_EVENT_TYPES as readonly string[]).includes(envelope.type)) return undefined;
  const id = (envelope.data as { initiativeId?: unknown } | undefined)?.initiativeId;
  return typeof id === 'string' ? id : undefined;
}
