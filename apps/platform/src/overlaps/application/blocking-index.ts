import { BlockEntry } from '../domain/blocking';
import { dateWindowDays } from '../domain/pair-matcher';

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

interface IndexedEntry {
  initiativeId: string;
  reporter: string;
  primaryStream: string;
  secondaryStreams: readonly string[];
  startDay: number;
  endDay: number;
}

/**
 * `registry_block_entries` held in memory by the detection worker, so that finding a batch's candidates is a few
 * hundred thousand comparisons in the process rather than a join in the database (which cost ~0.2 ms per changed
 * record). The table stays the truth: the index is loaded from it, and is trusted only while `generation` matches
 * the database's detection generation, which every detection run increments under the detection lock — so a run by
 * another instance, or a run that failed half-way, makes the next run load it again.
 */
export class BlockingIndex {
  private readonly byKey = new Map<string, IndexedEntry[]>();
  private readonly byRecord = new Map<string, BlockEntry[]>();
  /** The detection generation this index reflects; undefined: not loaded, or no longer trusted. */
  generation: number | undefined;

  get records(): number {
    return this.byRecord.size;
  }

  load(entries: readonly BlockEntry[], generation: number): void {
    this.byKey.clear();
    this.byRecord.clear();
    const grouped = new Map<string, BlockEntry[]>();
    for (const e of entries) {
      const list = grouped.get(e.initiativeId);
      if (list) list.push(e);
      else grouped.set(e.initiativeId, [e]);
    }
    for (const [id, list] of grouped) this.replace(id, list);
    this.generation = generation;
  }

  /** Sets a record's entries (none: the record leaves the index) and says which rows to delete and insert. */
  replace(initiativeId: string, entries: readonly BlockEntry[]): { removed: BlockEntry[]; added: BlockEntry[] } {
    const before = this.byRecord.get(initiativeId) ?? [];
    const fingerprint = (e: BlockEntry) =>
      `${e.blockKey}\u0000${e.reporter}\u0000${e.primaryStream}\u0000${e.secondaryStreams.join(',')}\u0000${e.start}\u0000${e.end}`;
    const next = new Set(entries.map(fingerprint));
    const prev = new Set(before.map(fingerprint));
    const removed = before.filter((e) => !next.has(fingerprint(e)));
    const added = entries.filter((e) => !prev.has(fingerprint(e)));
    if (removed.length === 0 && added.length === 0) return { removed, added };
    for (const e of before) {
      const list = this.byKey.get(e.blockKey);
      if (!list) continue;
      const kept = list.filter((x) => x.initiativeId !== initiativeId);
      if (kept.length) this.byKey.set(e.blockKey, kept);
      else this.byKey.delete(e.blockKey);
    }
    for (const e of entries) {
      const indexed: IndexedEntry = {
        initiativeId,
        reporter: e.reporter,
        primaryStream: e.primaryStream,
        secondaryStreams: e.secondaryStreams,
        startDay: dayOf(e.start),
        endDay: dayOf(e.end),
      };
      const list = this.byKey.get(e.blockKey);
      if (list) list.push(indexed);
      else this.byKey.set(e.blockKey, [indexed]);
    }
    if (entries.length) this.byRecord.set(initiativeId, [...entries]);
    else this.byRecord.delete(initiativeId);
    return { removed, added };
  }

  /**
   * The records stored under any of a changed record's lookup keys that are of another reporter, with a compatible
   * stream (same primary, or one's primary among the other's secondaries) and dates at most the window apart — the
   * same rule as pair-matcher's blocking step.
   */
  candidatesOf(lookups: readonly BlockEntry[]): Set<string> {
    const found = new Set<string>();
    const window = dateWindowDays();
    let dates = '';
    let start = 0;
    let end = 0;
    for (const l of lookups) {
      const list = this.byKey.get(l.blockKey);
      if (!list) continue;
      if (dates !== l.start + l.end) {
        dates = l.start + l.end;
        start = dayOf(l.start) - window;
        end = dayOf(l.end) + window;
      }
      for (const e of list) {
        if (e.reporter === l.reporter || e.initiativeId === l.initiativeId || found.has(e.initiativeId)) continue;
        if (e.startDay > end || e.endDay < start) continue;
        if (
          e.primaryStream === l.primaryStream ||
          l.secondaryStreams.includes(e.primaryStream) ||
          e.secondaryStreams.includes(l.primaryStream)
        )
          found.add(e.initiativeId);
      }
    }
    return found;
  }
}
