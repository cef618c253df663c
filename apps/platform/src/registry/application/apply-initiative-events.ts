import { Injectable } from '@nestjs/common';
import {
  CloudEvent,
  InitiativeEventType,
  InitiativeSnapshot,
  judgeInitiativeEvent,
  RegistryState,
} from '@ctp/contracts';
import { EventOutcome, ReceivedEvent } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import { matchFingerprintOf, WITHDRAWN_FINGERPRINT } from '../../overlaps/domain/match-candidate';
import { DetectionWorker } from '../../overlaps/application/detection-worker';
import { RollupPublisher } from '../../rollups/application/rollup-publisher';
import { RegistryRepository, RegistryWrite } from '../persistence/registry.repository';

/**
 * Applies a batch of hub and partner initiative events to the registry: one read (with row locks) for the batch's
 * initiatives, the rules judged in memory event by event, then one write for the newest versions and one for the
 * history. Events of the same initiative within a batch are judged against each other, as if applied one by one.
 * Records whose matched content changed are queued, in the same transaction, for the detection worker, which finds
 * their duplicates and overlaps right after the commit (in batches of its own).
 */
@Injectable()
export class ApplyInitiativeEvents {
  constructor(
    private readonly registry: RegistryRepository,
    private readonly rollups: RollupPublisher,
    private readonly detection: DetectionWorker,
  ) {}

  async execute(tx: Transaction, events: ReceivedEvent[], now: number = Date.now()): Promise<EventOutcome[]> {
    const ids = [
      ...new Set(events.map((e) => (e.envelope.data as Partial<InitiativeSnapshot>)?.initiativeId).filter(isString)),
    ];
    const stored = await this.registry.lockStates(tx, ids);
    const states = new Map<string, RegistryState | undefined>(stored);
    const latest = new Map<string, RegistryWrite>();
    const history: RegistryWrite[] = [];
    const outcomes = events.map((received): EventOutcome => {
      const event = received.envelope as CloudEvent<InitiativeSnapshot>;
      const snapshot = event.data;
      const verdict = judgeInitiativeEvent(event, received.subject, states.get(snapshot?.initiativeId), now);
      if (verdict.outcome === 'IGNORED') return { outcome: 'IGNORED', reason: verdict.reason };
      if (verdict.outcome === 'REJECTED')
        return { outcome: 'REJECTED', reason: verdict.reason, detail: verdict.detail };
      const withdrawn = event.type === InitiativeEventType.Withdrawn;
      const write: RegistryWrite = {
        initiativeId: snapshot.initiativeId,
        source: event.source,
        version: snapshot.version,
        withdrawn,
        snapshot,
        reportedAt: snapshot.lastUpdatedAt,
        eventId: event.id,
        eventType: event.type,
        matchFingerprint: withdrawn ? WITHDRAWN_FINGERPRINT : matchFingerprintOf(snapshot),
      };
      states.set(snapshot.initiativeId, { version: snapshot.version, withdrawn, status: snapshot.status });
      latest.set(snapshot.initiativeId, write);
      history.push(write);
      return { outcome: 'APPLIED' };
    });
    if (latest.size === 0) return outcomes;
    const writes = [...latest.values()];
    await this.registry.apply(tx, writes, history);
    const toDetect = writes
      .filter((w) => stored.get(w.initiativeId)?.matchFingerprint !== w.matchFingerprint)
      .map((w) => w.initiativeId);
    await this.registry.queueForDetection(tx, toDetect);
    tx.afterCommit(() => {
      this.rollups.schedule();
      if (toDetect.length > 0) this.detection.wake();
    });
    return outcomes;
  }
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}
