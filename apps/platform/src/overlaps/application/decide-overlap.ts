import { Injectable } from '@nestjs/common';
import { FieldProblem } from '@ctp/contracts';
import { UnitOfWork } from '@ctp/persistence';
import { Viewer } from '../../registry/domain/visibility';
import { InvalidDecision, OverlapPairNotFound } from '../../platform-errors';
import { DecidedBy, StoredPair, OverlapRepository } from '../persistence/overlap.repository';
import { DetectOverlaps } from './detect-overlaps';
import { OverlapChanges } from './overlap-changes';

export interface DecideOverlapCommand {
  pairId: string;
  decision: unknown;
  note: unknown;
  /** Who decides (recorded with the decision): the analyst's `sub` and `org`. */
  decidedBy: DecidedBy;
  /** What the analyst may see: a pair with a restricted record is, to a reader of shareable records, no pair. */
  viewer: Viewer;
}

/**
 * An analyst's verdict on a pair: CONFIRMED makes it a duplicate whatever the score, REJECTED makes it none. The
 * decision is remembered and overrides the detector from then on, including when the records change later.
 */
@Injectable()
export class DecideOverlap {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly overlaps: OverlapRepository,
    private readonly detect: DetectOverlaps,
    private readonly changes: OverlapChanges,
  ) {}

  async execute(command: DecideOverlapCommand): Promise<StoredPair> {
    const problems: FieldProblem[] = [];
    if (command.decision !== 'CONFIRMED' && command.decision !== 'REJECTED') {
      problems.push({ field: 'decision', rule: 'isIn', message: 'decision must be CONFIRMED or REJECTED' });
    }
    if (
      command.note !== undefined &&
      command.note !== null &&
      (typeof command.note !== 'string' || command.note.length > 2000)
    ) {
      problems.push({ field: 'note', rule: 'maxLength', message: 'note must be text of at most 2000 characters' });
    }
    if (problems.length) throw new InvalidDecision(problems);
    return this.unitOfWork.run(async (tx) => {
      await this.overlaps.lockDetection(tx);
      const before = await this.overlaps.lockPair(tx, command.pairId);
      if (!before || !(await this.overlaps.visibleTo(tx, before, command.viewer)))
        throw new OverlapPairNotFound(command.pairId);
      const after = (await this.overlaps.decide(
        tx,
        command.pairId,
        command.decision as 'CONFIRMED' | 'REJECTED',
        (command.note as string | undefined) ?? null,
        command.decidedBy,
      ))!;
      if (after.effective !== before.effective) {
        const clusterOf = await this.detect.recluster(tx, [after.aId, after.bId]);
        await this.detect.publish(tx, [{ pair: after, before: before.effective }], clusterOf);
        this.changes.changed(tx);
      }
      return after;
    });
  }
}
