/*
 * Who may see which records (docs/security.md, docs/domain.md "Visibility"): `INTERPOL_RESTRICTED` records only reach readers allowed to see them
 * (`registry:read-restricted` at an INTERPOL organisation); everyone else reads the `PARTNER_SHAREABLE` records only,
 * as if the restricted ones did not exist: no id, no count, no cluster or pair that names one.
 */

/** What a reader may see, as the queries take it (the HTTP layer derives it from the verified token). */
export interface Viewer {
  /** Restricted records too (true), or shareable ones only (false). */
  readonly restricted: boolean;
}

/** A reader of everything: analysts and operators of INTERPOL, and the platform's own internal work. */
export const RESTRICTED_READER: Viewer = Object.freeze({ restricted: true });
/** A reader of shareable records only. */
export const SHAREABLE_READER: Viewer = Object.freeze({ restricted: false });

/** Whether a record with this `visibility` is restricted: anything but `PARTNER_SHAREABLE` is (deny by default). */
export function isRestrictedVisibility(visibility: unknown): boolean {
  return visibility !== 'PARTNER_SHAREABLE';
}

/** Whether `viewer` may see a record that is `restricted` (or not). */
export function maySee(viewer: Viewer, restricted: boolean): boolean {
  return viewer.restricted || !restricted;
}
