import { ifMatchVersion } from '@ctp/contracts';
import { MalformedInitiative } from '../domain/initiative-errors';
import { RequestProblem } from '@ctp/observability';

/** `"3"`, `W/"3"` or `3` → 3. A missing header is 428 (the hub never overwrites blindly); a malformed one is 400. */
export function parseIfMatch(header: string | undefined, required: boolean): number | undefined {
  const version = ifMatchVersion(header);
  if (version === 'missing') {
    if (!required) return undefined;
    throw new RequestProblem(428, 'If-Match is required: send the version you read, e.g. If-Match: "3"', [
      {
        field: 'If-Match',
        rule: 'required',
        message: 'PUT replaces the whole record, so it needs the version it replaces',
      },
    ]);
  }
  if (version === 'malformed') {
    throw new MalformedInitiative([
      { field: 'If-Match', rule: 'version', message: 'If-Match must be a version in quotes, e.g. "3"' },
    ]);
  }
  return version;
}

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(header)) {
    throw new MalformedInitiative([
      {
        field: 'Idempotency-Key',
        rule: 'format',
        message: 'Idempotency-Key must be 1 to 200 visible ASCII characters',
      },
    ]);
  }
  return header;
}

export const etag = (version: number): string => `"${version}"`;
