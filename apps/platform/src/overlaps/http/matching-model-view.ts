import type { ModelInUse } from '../application/active-matching-model';
import type { MatchingModel } from '../domain/matching-model';

/** GET /overlaps/model: the matching model in use, and where it comes from (the mapper copies exactly these fields). */
export interface MatchingModelView extends Pick<
  MatchingModel,
  'version' | 'weights' | 'intercept' | 'overlap' | 'thresholds' | 'fittedOn'
> {
  source: 'shipped' | 'applied';
  appliedAt?: string;
  appliedBy?: string;
  note?: string;
}

export function toMatchingModelView(inUse: ModelInUse): MatchingModelView {
  const m = inUse.model;
  return {
    version: m.version,
    weights: { ...m.weights },
    intercept: m.intercept,
    ...(m.overlap ? { overlap: { weights: { ...m.overlap.weights }, intercept: m.overlap.intercept } } : {}),
    thresholds: { duplicate: m.thresholds.duplicate, overlap: m.thresholds.overlap },
    fittedOn: m.fittedOn,
    source: inUse.source,
    ...(inUse.appliedAt !== undefined ? { appliedAt: inUse.appliedAt } : {}),
    ...(inUse.appliedBy !== undefined ? { appliedBy: inUse.appliedBy } : {}),
    ...(inUse.note !== undefined ? { note: inUse.note } : {}),
  };
}
