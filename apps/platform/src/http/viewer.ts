import { isInterpolOrg, mayReadRestricted, Principal } from '@ctp/auth';
import { Viewer } from '../registry/domain/visibility';

/**
 * What the caller of a registry, overlaps or rollups route may see: restricted records too only with
 * `registry:read-restricted` at an INTERPOL organisation (`mayReadRestricted`); shareable records only otherwise.
 */
export function registryViewerOf(p: Principal): Viewer {
  return { restricted: mayReadRestricted(p) };
}

/**
 * What the caller of GET /events/:source/:id may see: besides restricted readers, operators of an INTERPOL
 * organisation (`ops:read` at IP-*), who need every outcome to run the platform (they see every record's events, as
 * they see the DLQ and the sync status). Anyone else sees outcomes of events about shareable records only.
 */
export function eventViewerOf(p: Principal): Viewer {
  return { restricted: mayReadRestricted(p) || (p.scopes.has('ops:read') && isInterpolOrg(p.org)) };
}
