import { FieldProblem } from '@ctp/contracts';

/** Errors of the platform's use cases. Only the HTTP edge (PlatformErrorFilter) turns them into statuses. */
export abstract class PlatformError extends Error {
  readonly details: FieldProblem[] = [];
}

/** An id the registry does not hold — or holds restricted, for a reader of shareable records (the same answer). */
export class RecordNotInRegistry extends PlatformError {
  constructor(readonly initiativeId: string) {
    super(`initiative ${initiativeId} is not in the registry`);
  }
}

/** A pair that does not exist — or has a restricted record, for a reader of shareable records (the same answer). */
export class OverlapPairNotFound extends PlatformError {
  constructor(readonly pairId: string) {
    super(`no overlap pair ${pairId}`);
  }
}

/** An analyst's decision that is not CONFIRMED or REJECTED, or whose note is not short text. */
export class InvalidDecision extends PlatformError {
  override readonly details: FieldProblem[];

  constructor(problems: FieldProblem[]) {
    super(`invalid decision: ${problems.map((p) => p.field).join(', ')}`);
    this.details = problems;
  }
}

/** An event the platform has not received — or not one the reader may know of (the same answer). */
export class EventNotReceived extends PlatformError {
  constructor(
    readonly source: string,
    readonly eventId: string,
  ) {
    super(`no event ${eventId} from ${source} has reached the platform`);
  }
}
