import { Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { initiativeId, InitiativeEventType } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import { InitiativeNotFound, InitiativeWithdrawn, VersionMismatch } from '../domain/partner-errors';
import { assertAgreesWithRecord, nextVersion, parsePartnerReplacement } from '../domain/partner-initiative';
import { PartnerInitiativeRepository } from '../persistence/partner-initiative.repository';
import { PartnerInitiativeChanges } from './partner-initiative-changes';
import { PartnerRegistry } from './partner-registry';
import { RecordPartnerInitiativeResult } from './record-partner-initiative';

export interface ReplacePartnerInitiativeCommand {
  partnerRef: string;
  /** The partner's own id for the record, from the path. */
  localId: string;
  /** The content, or the representation GET returned with the content edited (its server-managed fields checked). */
  body: unknown;
  /** The version the caller read (If-Match): the change applies only if it is still the current one. */
  expectedVersion: number;
  /** Who sends it: recorded in the audit with the change. */
  actor: Actor;
  now?: Date;
}

/**
 * `PUT /partners/:ref/initiatives/:localId`: full replacement of a reported record's content, only if it is still at
 * the version the caller read, as a hub's PUT. Checked in this order: 404 (partner), 400 (shape), 404 (record), 409
 * (withdrawn), 409/412 (server-managed fields of the body against the record and If-Match), 412 (If-Match not the
 * current version), then the transition and the rules of the next version (422). The record is locked for the check
 * and the write, so of two replacements made on the same version exactly one wins. The same content again changes
 * nothing (UNCHANGED: no version, no event).
 */
@Injectable()
export class ReplacePartnerInitiative {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly registry: PartnerRegistry,
    private readonly initiatives: PartnerInitiativeRepository,
    private readonly changes: PartnerInitiativeChanges,
  ) {}

  async execute(command: ReplacePartnerInitiativeCommand): Promise<RecordPartnerInitiativeResult> {
    const partner = await this.registry.get(command.partnerRef);
    const { content, managed } = parsePartnerReplacement(command.body);
    const id = initiativeId(partner.ref, command.localId);
    return this.unitOfWork.run(async (tx) => {
      const stored = await this.initiatives.lock(tx, id);
      if (!stored) throw new InitiativeNotFound(id);
      if (stored.withdrawn) throw new InitiativeWithdrawn(id);
      assertAgreesWithRecord(managed, stored.snapshot, command.expectedVersion);
      if (stored.snapshot.version !== command.expectedVersion) {
        throw new VersionMismatch(id, command.expectedVersion, stored.snapshot.version);
      }
      const next = nextVersion(stored.snapshot, content, command.now ?? new Date());
      if (!next) return { outcome: 'UNCHANGED', snapshot: stored.snapshot };
      await this.initiatives.update(tx, next);
      await this.changes.publish(tx, partner, InitiativeEventType.Updated, next, command.actor, 'API');
      return { outcome: 'UPDATED', snapshot: next };
    });
  }
}
