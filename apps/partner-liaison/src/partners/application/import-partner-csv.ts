import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { contentShapeProblems, initiativeId } from '@ctp/contracts';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { Partner } from '../domain/partner';
import { CsvSyntaxError, forEachCsvRecord, isBlank } from '../domain/csv';
import { CsvRow, HASHTAG_ROW_SEARCH, isHashtagRow, readPartnerCsv, RowProblem } from '../domain/partner-csv';
import { PartnerError, TooManyRows } from '../domain/partner-errors';
import { localIdProblems } from '../domain/partner-initiative';
import { PartnerInitiativeRepository, StoredPartnerInitiative } from '../persistence/partner-initiative.repository';
import { PartnerChanges } from './partner-changes';
import { PartnerRegistry } from './partner-registry';
import { RecordOutcome, RecordPartnerInitiative } from './record-partner-initiative';

export interface ImportedRow {
  /** 1-based line of the file where the row starts (the header and hashtag rows count). */
  line: number;
  localId: string | null;
  outcome: RecordOutcome | 'REJECTED';
  initiativeId?: string;
  version?: number;
  errors?: RowProblem[];
  /** The row's problems in all, when more than CSV_MAX_ROW_PROBLEMS are listed in `errors` (or none, past the total). */
  errorCount?: number;
}

export interface ImportReport {
  /** Rows that created an initiative or a new version of one. */
  imported: number;
  /** Rows equal to what is stored: no new version, no event. */
  unchanged: number;
  rejected: number;
  rows: ImportedRow[];
  /** Hashtags this service does not read: nothing in those columns was imported. */
  ignoredColumns: string[];
  /**
   * Problems found in all rows, and how many are listed in the rows' `errors`: at most CSV_MAX_ROW_PROBLEMS per row and
   * CSV_MAX_LISTED_PROBLEMS per answer, so that the answer stays small whatever the file holds.
   */
  problems: { total: number; listed: number };
}

export interface ImportPartnerCsvCommand {
  partnerRef: string;
  csv: string;
  /** Who imports the file: recorded with each row's change and with the import. */
  actor: Actor;
  now?: Date;
}

/** Rows in flight at once: each is its own transaction, and they touch different initiatives. */
const CONCURRENCY = 4;
/** Rows judged between two turns given to the event loop (a rejected row involves no I/O: nothing else would yield). */
const YIELD_EVERY_ROWS = 100;
/** Problems listed per row, at most (the row's `errorCount` says how many it had). */
export const CSV_MAX_ROW_PROBLEMS = 10;
/** Problems listed per answer, at most (`problems.total` says how many there were). */
export const CSV_MAX_LISTED_PROBLEMS = 1000;

/**
 * A partner's CSV file, row by row through the same use case as a JSON request. Each row is its own transaction, so a
 * rejected row never blocks an accepted one; every data row gets an answer (nothing is dropped silently), and the same
 * file sent again changes nothing. If the import stops half-way (the database went away), sending the file again is
 * safe: the rows already imported come back UNCHANGED.
 */
/** Rows one import may carry (each is a validated, versioned, published change). */
export const CSV_MAX_ROWS = 2000;

@Injectable()
export class ImportPartnerCsv {
  constructor(
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly registry: PartnerRegistry,
    private readonly recordInitiative: RecordPartnerInitiative,
    private readonly initiatives: PartnerInitiativeRepository,
    private readonly changes: PartnerChanges,
  ) {}

  async execute(command: ImportPartnerCsvCommand): Promise<ImportReport> {
    const partner = await this.registry.get(command.partnerRef);
    // Counted before any row is read, giving the event loop a turn every 100 records: an oversized file is refused
    // whole, nothing imported, without holding the process while its rows are read.
    const rowCount = await countDataRows(command.csv);
    if (rowCount > CSV_MAX_ROWS) throw new TooManyRows(rowCount, CSV_MAX_ROWS);
    const file = readPartnerCsv(command.csv);
    if (file.rows.length > CSV_MAX_ROWS) throw new TooManyRows(file.rows.length, CSV_MAX_ROWS);
    const now = command.now ?? new Date();
    const seen = await this.initiatives.findMany(
      file.rows.flatMap((r) => (r.localId === null ? [] : [initiativeId(partner.ref, r.localId)])),
    );
    const results: ImportedRow[] = new Array(file.rows.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < file.rows.length && !failed) {
        const i = next++;
        if (i > 0 && i % YIELD_EVERY_ROWS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        try {
          results[i] = await this.importRow(partner, file.rows[i], now, seen, command.actor);
        } catch (err) {
          // Not a verdict on the row (the database went away): stop here; sending the file again finishes the job.
          failed = true;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, file.rows.length) }, worker));
    const count = (...outcomes: ImportedRow['outcome'][]) => results.filter((r) => outcomes.includes(r.outcome)).length;
    const { rows, problems } = capProblems(results);
    const report: ImportReport = {
      imported: count('CREATED', 'UPDATED'),
      unchanged: count('UNCHANGED'),
      rejected: count('REJECTED'),
      rows,
      ignoredColumns: file.ignoredColumns,
      problems,
    };
    const counts = {
      rows: results.length,
      imported: report.imported,
      unchanged: report.unchanged,
      rejected: report.rejected,
      problems: problems.total,
    };
    // Each imported row was announced on its own (via CSV_IMPORT); this is the import as a whole.
    await this.changes.csvImported({
      partnerRef: partner.ref,
      by: { sub: command.actor.sub, org: command.actor.org },
      counts,
    });
    this.log.info({
      msg: 'partner csv imported',
      partner: partner.ref,
      ...counts,
      sub: command.actor.sub,
      org: command.actor.org,
    });
    return report;
  }

  private async importRow(
    partner: Partner,
    row: CsvRow,
    now: Date,
    seen: Map<string, StoredPartnerInitiative>,
    actor: Actor,
  ): Promise<ImportedRow> {
    const base = { line: row.line, localId: row.localId };
    const rejected = {
      ...base,
      outcome: 'REJECTED' as const,
      ...(row.localId && localIdProblems(row.localId).length === 0
        ? { initiativeId: initiativeId(partner.ref, row.localId) }
        : {}),
    };
    if (row.problems.length) {
      // Say everything wrong with the row at once: what could not be read, and the shape of the rest.
      const { localId, ...content } = row.body;
      const known = row.problems.map((p) => p.field);
      const more = [...localIdProblems(localId), ...contentShapeProblems(content)].filter(
        (p) => !known.some((k) => p.field === k || p.field.startsWith(`${k}.`) || p.field.startsWith(`${k}[`)),
      );
      return { ...rejected, errors: [...row.problems, ...withColumns(row, more)] };
    }
    try {
      const { outcome, snapshot } = await this.recordInitiative.record(
        partner,
        row.body,
        now,
        actor,
        'CSV_IMPORT',
        row.localId === null ? undefined : seen.get(initiativeId(partner.ref, row.localId)),
      );
      return { ...base, outcome, initiativeId: snapshot.initiativeId, version: snapshot.version };
    } catch (err) {
      if (!(err instanceof PartnerError)) throw err;
      return { ...rejected, errors: withColumns(row, err.details) };
    }
  }
}

function withColumns(row: CsvRow, problems: { field: string; rule: string; message: string }[]): RowProblem[] {
  return problems.map((p) => {
    const column = row.columnOf(p.field);
    return column ? { field: p.field, rule: p.rule, message: p.message, column } : { ...p };
  });
}

/**
 * The rows' problems, bounded: at most `perRow` listed per row (its `errorCount` then says how many it had) and `total`
 * in the whole answer (a row past it lists none, and says how many it had). Every row keeps its outcome.
 */
export function capProblems(
  rows: ImportedRow[],
  perRow = CSV_MAX_ROW_PROBLEMS,
  total = CSV_MAX_LISTED_PROBLEMS,
): { rows: ImportedRow[]; problems: { total: number; listed: number } } {
  let all = 0;
  let listed = 0;
  const capped = rows.map((row) => {
    if (!row.errors) return row;
    all += row.errors.length;
    const room = Math.max(0, Math.min(perRow, total - listed));
    if (row.errors.length <= room) {
      listed += row.errors.length;
      return row;
    }
    listed += room;
    return { ...row, errors: row.errors.slice(0, room), errorCount: row.errors.length };
  });
  return { rows: capped, problems: { total: all, listed } };
}

/**
 * The data rows of a partner's file (non-blank records after its hashtag row), counted record by record with a turn
 * for the event loop every 100. A file without a hashtag row, or with a quote never closed, counts 0 here: reading it
 * says what is wrong.
 */
export async function countDataRows(csv: string): Promise<number> {
  let hashtagAt = -1;
  let rows = 0;
  try {
    await forEachCsvRecord(csv, (record, index) => {
      if (hashtagAt < 0) {
        if (index >= HASHTAG_ROW_SEARCH) return false;
        if (isHashtagRow(record)) hashtagAt = index;
        return;
      }
      if (!isBlank(record)) rows++;
    });
  } catch (err) {
    if (err instanceof CsvSyntaxError) return 0;
    throw err;
  }
  return rows;
}
