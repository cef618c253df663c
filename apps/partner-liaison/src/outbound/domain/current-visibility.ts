import { Visibility } from '@ctp/contracts';
import { FeedEntryKind } from './feed-entry';

/** What is needed of a feed entry to tell whether it may still be served or sent. */
export interface EntryToCheck {
  kind: FeedEntryKind;
  initiativeId: string;
  payload: unknown;
}

/**
 * The records whose current visibility decides whether these entries may still go to `partnerRef`: the shared record
 * of an INITIATIVE; the other record of a NOTICE, unless it is the partner's own.
 */
export function recordsToCheck(entries: readonly EntryToCheck[], partnerRef: string): string[] {
  const ids = new Set<string>();
  for (const e of entries) {
    if (e.kind === 'INITIATIVE') ids.add(e.initiativeId);
    if (e.kind === 'NOTICE') {
      const other = otherIdOf(e.payload);
      if (other && !other.startsWith(`${partnerRef}-`)) ids.add(other);
    }
  }
  return [...ids];
}

/**
 * Whether an entry written earlier must no longer reach its partner, judged by the records' visibility NOW (not when
 * the entry was written): content of a record that has since become INTERPOL_RESTRICTED is never served again from
 * the feed's history, nor delivered by a late webhook, nor re-sent; nor is a notice that names such a record. A
 * record whose visibility is not known is treated as restricted. Retractions carry no content: always served.
 */
export function isWithheld(
  entry: EntryToCheck,
  partnerRef: string,
  visibility: ReadonlyMap<string, Visibility>,
): boolean {
  const shareable = (id: string) => visibility.get(id) === 'PARTNER_SHAREABLE';
  switch (entry.kind) {
    case 'INITIATIVE':
      return !shareable(entry.initiativeId);
    case 'NOTICE': {
      const other = otherIdOf(entry.payload);
      // A notice written before notices stopped mentioning restricted records at all (`{ restricted: true }`).
      if (!other) return true;
      return !other.startsWith(`${partnerRef}-`) && !shareable(other);
    }
    default:
      return false;
  }
}

function otherIdOf(payload: unknown): string | undefined {
  const other = (payload as { other?: { initiativeId?: unknown } } | null)?.other;
  return typeof other?.initiativeId === 'string' ? other.initiativeId : undefined;
}
