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

/** The console is off: CONSOLE_OIDC_AUTHORITY is unset, so nobody could sign in to it (deny by default). */
export class ConsoleNotConfigured extends PlatformError {
  constructor() {
    super(
      'the console is not served here: CONSOLE_OIDC_AUTHORITY (the OpenID Connect issuer its users sign in with) is not set',
    );
  }
}

/** The console is on but its files are not there (the front end was not built into CONSOLE_STATIC_DIR). */
export class ConsoleNotBuilt extends PlatformError {
  constructor(readonly staticDir: string) {
    super(`the console is not built: npm run build (no index.html in ${staticDir})`);
  }
}

/** One identity already holds as many live-update streams as it may. */
export class TooManyStreams extends PlatformError {
  constructor(readonly limit: number) {
    super(`this identity already has ${limit} open console streams: close one (another tab?) and try again`);
  }
}

/** The platform serves as many live-update streams as it may, in all. */
export class StreamCapacityReached extends PlatformError {
  constructor(readonly limit: number) {
    super(`the platform already serves ${limit} console streams: try again later`);
  }
}
