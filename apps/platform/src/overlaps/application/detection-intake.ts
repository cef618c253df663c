import { Injectable } from '@nestjs/common';
import type { Transaction } from '@ctp/persistence';
import { AppliedChanges, RegistryChangeListener, RegistryChanges } from '../../registry/application/registry-changes';
import { OverlapRepository } from '../persistence/overlap.repository';
import { CandidateCache } from './candidate-cache';
import { DetectionWorker } from './detection-worker';

/**
 * What the registry applied, taken into detection: the records whose match fingerprint changed are queued in the
 * batch's transaction (so a crash after the commit leaves them queued); after the commit the applied versions' match
 * candidates go to the cache and the detection worker is woken.
 */
@Injectable()
export class DetectionIntake implements RegistryChangeListener {
  constructor(
    registry: RegistryChanges,
    private readonly overlaps: OverlapRepository,
    private readonly candidates: CandidateCache,
    private readonly detection: DetectionWorker,
  ) {
    registry.subscribe(this);
  }

  async onApplied(tx: Transaction, changes: AppliedChanges): Promise<void> {
    await this.overlaps.queueForDetection(tx, toDetect(changes));
  }

  afterCommit(changes: AppliedChanges): void {
    for (const r of changes.records) {
      if (r.candidate) this.candidates.set(r.initiativeId, r.version, r.candidate.firstReportedAt, r.candidate);
    }
    if (toDetect(changes).length > 0) this.detection.wake();
  }
}

function toDetect(changes: AppliedChanges): string[] {
  return changes.records.filter((r) => r.matchChanged).map((r) => r.initiativeId);
}
