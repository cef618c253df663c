import { ifMatchVersion } from '@ctp/contracts';
import { RequestProblem } from '@ctp/observability';
import { MalformedRequest } from '../domain/partner-errors';

/** `"3"`, `W/"3"` or `3` → 3. A missing header is 428 (a replacement never overwrites blindly); a malformed one 400. */
export function parseIfMatch(header: string | undefined): number {
  const version = ifMatchVersion(header);
  if (version === 'missing') {
    throw new RequestProblem(428, 'If-Match is required: send the version you read, e.g. If-Match: "3"', [
      {
        field: 'If-Match',
        rule: 'required',
        message: 'PUT replaces the whole record, so it needs the version it replaces',
      },
    ]);
  }
  if (version === 'malformed') {
    throw new MalformedRequest([
      { field: 'If-Match', rule: 'version', message: 'If-Match must be a version in quotes, e.g. "3"' },
    ]);
  }
  return version;
}
