import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { CtpLogger } from '@ctp/observability';
import { MatchingModel, modelProblems, withAllWeights } from '../domain/matching-model';
import { SHIPPED_MODEL } from '../domain/matching-model.shipped';
import type { MatchingModelRepository, StoredMatchingModel } from '../persistence/matching-model.repository';

/** The matching model in use and where it comes from: the code (`shipped`) or a row of `matching_models` (`applied`). */
export interface ModelInUse {
  model: MatchingModel;
  source: 'shipped' | 'applied';
  appliedAt?: string;
  appliedBy?: string;
  note?: string;
}

/** A stored model that cannot be used (it fails `modelProblems`), and why. */
export interface IgnoredModel {
  version: string;
  appliedAt: string;
  problems: string[];
}

export const SHIPPED_IN_USE: ModelInUse = Object.freeze({ model: SHIPPED_MODEL, source: 'shipped' as const });

/** How often the model in use is read again from `matching_models`, unless MATCHING_MODEL_REFRESH_MS says. */
export const MATCHING_MODEL_REFRESH_MS = 30_000;

/** The problems of a stored row: its model's (`modelProblems`), and a model whose version is not the row's. */
export function storedModelProblems(row: StoredMatchingModel): string[] {
  const problems = modelProblems(row.model);
  const version = (row.model as { version?: unknown } | null)?.version;
  if (problems.length === 0 && version !== row.version)
    problems.push(`version: the row is ${JSON.stringify(row.version)}, its model ${JSON.stringify(version)}`);
  return problems;
}

/**
 * The model in use, from the applied rows (newest first): the newest one that passes the checks; with none, the
 * shipped model. The newer rows that fail are returned as `ignored` (the one applied before them stays in use).
 */
export function modelInUseOf(rows: readonly StoredMatchingModel[]): { inUse: ModelInUse; ignored: IgnoredModel[] } {
  const ignored: IgnoredModel[] = [];
  for (const row of rows) {
    const problems = storedModelProblems(row);
    if (problems.length > 0) {
      ignored.push({ version: row.version, appliedAt: row.appliedAt, problems });
      continue;
    }
    const m = row.model as MatchingModel;
    // Only the model's own fields, copied: nothing else the row's JSON held, and nothing a caller could change.
    const model: MatchingModel = Object.freeze({
      version: m.version,
      weights: Object.freeze(withAllWeights(m.weights)),
      intercept: m.intercept,
      ...(m.overlap
        ? {
            overlap: Object.freeze({
              weights: Object.freeze(withAllWeights(m.overlap.weights)),
              intercept: m.overlap.intercept,
            }),
          }
        : {}),
      thresholds: Object.freeze({ duplicate: m.thresholds.duplicate, overlap: m.thresholds.overlap }),
      fittedOn: m.fittedOn,
    });
    const inUse: ModelInUse = {
      model,
      source: 'applied',
      appliedAt: row.appliedAt,
      appliedBy: row.appliedBy,
      ...(row.note !== null ? { note: row.note } : {}),
    };
    return { inUse: Object.freeze(inUse), ignored };
  }
  return { inUse: SHIPPED_IN_USE, ignored };
}

/**
 * The matching model in use (GET /overlaps/model, and every detection run's scores): read from `matching_models` at
 * start-up, then again every `refreshMs` (30 s), so a model an operator applies is in use within that time in every
 * thread and instance. `current()` answers from memory, synchronously: a detection run reads it once and scores all
 * its pairs with that one model. A stored model that fails the checks is logged as an error (once per version) and
 * ignored: the one applied before it, or the shipped one, stays in use. A failed re-read keeps the model in use (a
 * warning); a failed read at start-up fails the start.
 */
@Injectable()
export class ActiveMatchingModel implements OnModuleInit, OnApplicationShutdown {
  private inUse: ModelInUse = SHIPPED_IN_USE;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<ModelInUse>;
  /** Versions already reported as invalid (each is logged once, not at every re-read). */
  private readonly reported = new Set<string>();

  constructor(
    private readonly repository: Pick<MatchingModelRepository, 'applied'>,
    private readonly log: CtpLogger,
    readonly refreshMs: number = MATCHING_MODEL_REFRESH_MS,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.read(true);
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The model in use now (as last read). */
  current(): ModelInUse {
    return this.inUse;
  }

  /** Reads `matching_models` now (one read at a time: a caller during a read gets that read's answer). */
  refresh(): Promise<ModelInUse> {
    this.reading ??= this.read(false).finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(atStart: boolean): Promise<ModelInUse> {
    let rows: StoredMatchingModel[];
    try {
      rows = await this.repository.applied();
    } catch (err) {
      if (atStart) throw err;
      this.log.warn({
        msg: 'matching models not read again: the model in use stays',
        version: this.inUse.model.version,
        err: (err as Error).message,
      });
      return this.inUse;
    }
    const { inUse, ignored } = modelInUseOf(rows);
    for (const i of ignored) {
      if (this.reported.has(i.version)) continue;
      this.reported.add(i.version);
      this.log.error({
        msg: 'stored matching model is INVALID and ignored: fix or supersede it (npm run matching:refit -- --apply)',
        version: i.version,
        appliedAt: i.appliedAt,
        problems: i.problems,
        inUse: inUse.model.version,
      });
    }
    const before = this.inUse;
    this.inUse = inUse;
    if (atStart || before.model.version !== inUse.model.version) {
      this.log.info({
        msg: 'matching model in use',
        version: inUse.model.version,
        source: inUse.source,
        appliedAt: inUse.appliedAt,
        appliedBy: inUse.appliedBy,
        ...(atStart ? {} : { previous: before.model.version }),
      });
    }
    return inUse;
  }
}
