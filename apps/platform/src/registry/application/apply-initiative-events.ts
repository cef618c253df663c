import { Injectable } from '@nestjs/common';
import {
  CloudEvent,
  InitiativeEventType,
  InitiativeSnapshot,
  InitiativeWithdrawal,
  isWithdrawalTombstone,
  judgeInitiativeEvent,
  RegistryState,
  withdrawnSnapshotOf,
} from '@ctp/contracts';
import { EventOutcome, ReceivedEvent } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import {
  fingerprintOfCandidate,
  MatchCandidate,
  toMatchCandidate,
  WITHDRAWN_FINGERPRINT,
} from '../../overlaps/domain/match-candidate';
import { RegistryRepository, RegistryWrite } from '../persistence/registry.repository';
import { RegistryChanges } from './registry-changes';

/**
 * Applies a batch of hub and partner initiative events to the registry: one read (with row locks) for the batch's
 * initiatives, the rules judged in memory event by event, then one write for the newest versions and one for the
 * history. Events of the same initiative within a batch are judged against each other, as if applied one by one.
 * What was applied is announced through RegistryChanges, in the same transaction: overlaps queues the records whose
 * matched content changed for its detection worker (which finds their duplicates and overlaps right after the
 * commit, in batches of its own), rollups schedule a publication after the commit; and so are the events it rejected
 * (sync remembers the versions refused for their content).
 *
 * A withdrawal tombstone (a `withdrawn` event carrying only the identity, version and reason) is judged by the same
 * rules; applied, it keeps the content of the record's last whole snapshot (`withdrawnSnapshotOf`) and marks it
 * withdrawn, like a whole withdrawn snapshot. For a record never applied here it stores a stub without content, so
 * that an older version arriving later is stale and the registry's digest agrees with the owner's (docs/contract.md).
 */
@Injectable()
export class ApplyInitiativeEvents {
  constructor(
    private readonly registry: RegistryRepository,
    private readonly changes: RegistryChanges,
  ) {}

  async execute(tx: Transaction, events: ReceivedEvent[], now: number = Date.now()): Promise<EventOutcome[]> {
    const ids = [
      ...new Set(events.map((e) => (e.envelope.data as Partial<InitiativeSnapshot>)?.initiativeId).filter(isString)),
    ];
    const stored = await this.registry.lockStates(tx, ids);
    const tombstoneIds = events
      .filter((e) => e.envelope.type === InitiativeEventType.Withdrawn && isWithdrawalTombstone(e.envelope.data))
      .map((e) => (e.envelope.data as Partial<InitiativeWithdrawal>).initiativeId)
      .filter(isString)
      .filter((id) => stored.has(id));
    const held = await this.registry.snapshotsOf(tx, [...new Set(tombstoneIds)]);
    const states = new Map<string, RegistryState | undefined>(stored);
    const latest = new Map<string, RegistryWrite>();
    const candidateOf = new Map<string, MatchCandidate>();
    const history: RegistryWrite[] = [];
    const outcomes = events.map((received): EventOutcome => {
      const event = received.envelope as CloudEvent<InitiativeSnapshot | InitiativeWithdrawal>;
      const data = event.data;
      const verdict = judgeInitiativeEvent(event, received.subject, states.get(data?.initiativeId), now);
      if (verdict.outcome === 'IGNORED') return { outcome: 'IGNORED', reason: verdict.reason };
      if (verdict.outcome === 'REJECTED')
        return { outcome: 'REJECTED', reason: verdict.reason, detail: verdict.detail };
      const withdrawn = event.type === InitiativeEventType.Withdrawn;
      // A tombstone over the newest content: this batch's, else the stored row's (none: a stub).
      const snapshot = withdrawn
        ? withdrawnSnapshotOf(data, latest.get(data.initiativeId)?.snapshot ?? held.get(data.initiativeId))
        : (data as InitiativeSnapshot);
      // What detection will compare: built once here, for the fingerprint and (after commit) its cache.
      const firstReportedAt =
        stored.get(snapshot.initiativeId)?.firstReportedAt ?? new Date(snapshot.lastUpdatedAt).toISOString();
      const candidate = withdrawn ? undefined : toMatchCandidate(snapshot, firstReportedAt);
      if (candidate) candidateOf.set(snapshot.initiativeId, candidate);
      else candidateOf.delete(snapshot.initiativeId);
      const write: RegistryWrite = {
        initiativeId: snapshot.initiativeId,
        source: event.source,
        version: snapshot.version,
        withdrawn,
        snapshot,
        reportedAt: snapshot.lastUpdatedAt,
        eventId: event.id,
        eventType: event.type,
        matchFingerprint: candidate ? fingerprintOfCandidate(candidate) : WITHDRAWN_FINGERPRINT,
      };
      states.set(snapshot.initiativeId, { version: snapshot.version, withdrawn, status: snapshot.status });
      latest.set(snapshot.initiativeId, write);
      history.push(write);
      return { outcome: 'APPLIED' };
    });
    if (latest.size > 0) {
      const writes = [...latest.values()];
      await this.registry.apply(tx, writes, history);
      await this.changes.applied(tx, {
        records: writes.map((w) => ({
          initiativeId: w.initiativeId,
          version: w.version,
          withdrawn: w.withdrawn,
          candidate: candidateOf.get(w.initiativeId),
          matchChanged: stored.get(w.initiativeId)?.matchFingerprint !== w.matchFingerprint,
        })),
      });
    }
    await this.changes.rejected(
      tx,
      outcomes.flatMap((o, i) =>
        o.outcome === 'REJECTED' ? [{ event: events[i], reason: o.reason, detail: o.detail }] : [],
      ),
    );
    return outcomes;
  }
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}
