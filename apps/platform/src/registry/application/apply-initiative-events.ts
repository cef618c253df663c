import { Injectable } from '@nestjs/common';
import { CloudEvent, InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { EventOutcome, ReceivedEvent } from '@ctp/messaging';
import type { Transaction } from '@ctp/persistence';
import { judgeInitiativeEvent, RegistryState } from '@ctp/contracts';
import { RegistryRepository, RegistryWrite } from '../persistence/registry.repository';
import { RollupPublisher } from '../../rollups/application/rollup-publisher';
import { DetectOverlaps } from '../../overlaps/application/detect-overlaps';

/**
 * Applies a batch of hub and partner initiative events to the registry: one read (with row locks) for the batch's
 * initiatives, the rules judged in memory event by event, then one write for the newest versions and one for the
 * history. Events of the same initiative within a batch are judged against each other, as if applied one by one.
 * Then the changed records are matched against their candidates (duplicates and overlaps), in the same transaction.
 */
@Injectable()
export class ApplyInitiativeEvents {
  constructor(
    private readonly registry: RegistryRepository,
    private readonly rollups: RollupPublisher,
    private readonly detectOverlaps: DetectOverlaps,
  ) {}

  async execute(tx: Transaction, events: ReceivedEvent[], now: number = Date.now()): Promise<EventOutcome[]> {
    const ids = [
      ...new Set(events.map((e) => (e.envelope.data as Partial<InitiativeSnapshot>)?.initiativeId).filter(isString)),
    ];
    await this.registry.serializeChanges(tx);
    const states = new Map<string, RegistryState | undefined>(await this.registry.lockStates(tx, ids));
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
      };
      states.set(snapshot.initiativeId, { version: snapshot.version, withdrawn, status: snapshot.status });
      latest.set(snapshot.initiativeId, write);
      history.push(write);
      return { outcome: 'APPLIED' };
    });
    await this.registry.apply(tx, [...latest.values()], history);
    if (latest.size > 0) {
      await this.detectOverlaps.execute(tx, [...latest.keys()]);
      tx.afterCommit(() => this.rollups.schedule());
    }
    return outcomes;
  }
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}
