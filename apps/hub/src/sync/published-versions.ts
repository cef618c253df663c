import { createHash } from 'node:crypto';
import type { InitiativeSnapshot } from '@ctp/contracts';

/** The newest snapshot the hub published for one initiative, and where in the stream. */
export interface PublishedSnapshot {
  seq: number;
  snapshot: InitiativeSnapshot;
}

/** One (initiative, version) published or stored with two different contents. */
export interface VersionConflict {
  initiativeId: string;
  version: number;
  /** Where the second content was seen: a later event in the stream, or the hub's own database. */
  seenIn: 'stream' | 'database';
}

/** What the hub's database holds of an initiative: its version and the content of that version. */
export interface StoredVersion {
  version: number;
  snapshot: InitiativeSnapshot;
}

export interface RecoveryPlan {
  /** Snapshots newer than the database's (or of records it lacks): accepted and published, to be stored again. */
  reimport: InitiativeSnapshot[];
  /** Versions with two contents: never repaired automatically, reported. */
  conflicts: VersionConflict[];
}

/**
 * The hub's own initiative events read back from the stream, folded into the newest snapshot per initiative. A hub
 * restored from a backup older than its last published events compares this with its database before it accepts a
 * write: whatever the stream holds at a higher version was accepted and published after the backup, and is stored
 * again as it was published (nothing accepted is lost, no version is given twice). Pure: no I/O.
 */
export class PublishedVersions {
  private readonly latest = new Map<string, PublishedSnapshot>();
  /** The content hash of every (initiative, version) seen, to find a version published twice with two contents. */
  private readonly contents = new Map<string, string>();
  private readonly conflicts: VersionConflict[] = [];
  /** Events read (initiative events of this hub, decoded). */
  events = 0;
  /** Messages on the hub's subjects that are not a snapshot of its own records (poison, another owner's id). */
  skipped = 0;
  /** The highest stream sequence read. */
  lastSeq = 0;

  constructor(private readonly ownPrefix: string) {}

  /** One message read from the stream: its sequence and its envelope's `data` (anything: it is checked here). */
  add(seq: number, data: unknown): void {
    this.lastSeq = Math.max(this.lastSeq, seq);
    if (!isOwnSnapshot(data, this.ownPrefix)) {
      this.skipped++;
      return;
    }
    this.events++;
    const key = `${data.initiativeId}\u0000${data.version}`;
    const hash = contentHash(data);
    const seen = this.contents.get(key);
    if (seen === undefined) this.contents.set(key, hash);
    else if (seen !== hash)
      this.conflicts.push({ initiativeId: data.initiativeId, version: data.version, seenIn: 'stream' });
    const current = this.latest.get(data.initiativeId);
    if (!current || data.version > current.snapshot.version)
      this.latest.set(data.initiativeId, { seq, snapshot: data });
  }

  /** The initiatives seen, for the database lookup. */
  ids(): string[] {
    return [...this.latest.keys()];
  }

  /**
   * Against what the database holds (by initiative id): every record the stream holds at a higher version, or that the
   * database lacks, is re-imported; a version the database holds with other content than was published is a conflict.
   * A database ahead of the stream is left alone (its events are still in its outbox, or older than the stream keeps).
   */
  plan(stored: Map<string, StoredVersion>): RecoveryPlan {
    const reimport: InitiativeSnapshot[] = [];
    const conflicts = [...this.conflicts];
    for (const [id, { snapshot }] of this.latest) {
      const db = stored.get(id);
      if (!db || db.version < snapshot.version) reimport.push(snapshot);
      else if (db.version === snapshot.version && contentHash(db.snapshot) !== contentHash(snapshot)) {
        conflicts.push({ initiativeId: id, version: snapshot.version, seenIn: 'database' });
      }
    }
    reimport.sort((a, b) => (a.initiativeId < b.initiativeId ? -1 : a.initiativeId > b.initiativeId ? 1 : 0));
    return { reimport, conflicts };
  }
}

function isOwnSnapshot(data: unknown, ownPrefix: string): data is InitiativeSnapshot {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as { initiativeId?: unknown; version?: unknown };
  return (
    typeof d.initiativeId === 'string' &&
    d.initiativeId.startsWith(ownPrefix) &&
    typeof d.version === 'number' &&
    Number.isInteger(d.version) &&
    d.version >= 1
  );
}

/** A hash of the content that does not depend on the order of keys (PostgreSQL's jsonb reorders them). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
