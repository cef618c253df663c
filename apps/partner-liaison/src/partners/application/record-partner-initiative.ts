import { Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import { Partner } from '../domain/partner';
import { InitiativeWithdrawn } from '../domain/partner-errors';
import { firstVersion, nextVersion, parsePartnerInitiative, sameContent } from '../domain/partner-initiative';
import { PartnerInitiativeRepository, StoredPartnerInitiative } from '../persistence/partner-initiative.repository';
import { ChangeChannel } from './partner-changes';
import { PartnerInitiativeChanges } from './partner-initiative-changes';
import { PartnerRegistry } from './partner-registry';

export type RecordOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED';

export interface RecordPartnerInitiativeCommand {
  partnerRef: string;
  /** The snapshot's content fields plus the partner's own `localId` (required). */
  body: unknown;
  /** Who sends it: recorded in the audit with the change. */
  actor: Actor;
  now?: Date;
}

export interface RecordPartnerInitiativeResult {
  outcome: RecordOutcome;
  snapshot: InitiativeSnapshot;
}

/**
 * "This is initiative <localId> of partner <ref> now": creates it at version 1, or makes the next version when the
 * content changed, or does nothing when it did not (no version, no event). The record and its event are written in
 * one transaction. The same use case serves a JSON request and each row of a CSV import.
 */
@Injectable()
export class RecordPartnerInitiative {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly registry: PartnerRegistry,
    private readonly initiatives: PartnerInitiativeRepository,
    private readonly changes: PartnerInitiativeChanges,
  ) {}

  async execute(command: RecordPartnerInitiativeCommand): Promise<RecordPartnerInitiativeResult> {
    const partner = await this.registry.get(command.partnerRef);
    return this.record(partner, command.body, command.now ?? new Date(), command.actor, 'API');
  }

  /**
   * `seen` is the record as read earlier, when the caller has it (a CSV import reads all its rows' records in one
   * query): when the content equals it, the answer is UNCHANGED without a transaction. That no-op is true of a
   * committed state, so it is a correct answer even if the record changes right after.
   */
  async record(
    partner: Partner,
    body: unknown,
    now: Date,
    actor: Actor,
    via: ChangeChannel,
    seen?: StoredPartnerInitiative,
  ): Promise<RecordPartnerInitiativeResult> {
    const { localId, content } = parsePartnerInitiative(body);
    // Checked before any database work: a record that breaks a rule as version 1 breaks it as any version.
    const first = firstVersion(partner, localId, content, now);
    if (seen && !seen.withdrawn && sameContent(seen.snapshot, content)) {
      return { outcome: 'UNCHANGED', snapshot: seen.snapshot };
    }
    return this.unitOfWork.run(async (tx) => {
      let stored = await this.initiatives.lock(tx, first.initiativeId);
      if (!stored) {
        if (await this.initiatives.insert(tx, partner.ref, localId, first)) {
          await this.changes.publish(tx, partner, InitiativeEventType.Reported, first, actor, via);
          return { outcome: 'CREATED', snapshot: first };
        }
        // Reported concurrently: the insert waited for the other transaction, whose row is now visible.
        stored = await this.initiatives.lock(tx, first.initiativeId);
        if (!stored) throw new Error(`${first.initiativeId} neither inserted nor found`);
      }
      if (stored.withdrawn) throw new InitiativeWithdrawn(first.initiativeId);
      const next = nextVersion(stored.snapshot, content, now);
      if (!next) return { outcome: 'UNCHANGED', snapshot: stored.snapshot };
      await this.initiatives.update(tx, next);
      await this.changes.publish(tx, partner, InitiativeEventType.Updated, next, actor, via);
      return { outcome: 'UPDATED', snapshot: next };
    });
  }
}
