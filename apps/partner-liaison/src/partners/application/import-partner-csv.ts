import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { contentShapeProblems, initiativeId } from '@ctp/contracts';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { Partner } from '../domain/partner';
import { CsvRow, readPartnerCsv, RowProblem } from '../domain/partner-csv';
import { PartnerError, TooManyRows } from '../domain/partner-errors';
import { localIdProblems } from '../domain/partner-initiative';
import { AuditRepository } from '../../outbound/persistence/audit.repository';
import { PartnerInitiativeRepository, StoredPartnerInitiative } from '../persistence/partner-initiative.repository';
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
    private readonly audit: AuditRepository,
  ) {}

  async execute(command: ImportPartnerCsvCommand): Promise<ImportReport> {
    const partner = await this.registry.get(command.partnerRef);
    const file = readPartnerCsv(command.csv);
    // Checked before any row is looked at: an oversized file is refused whole, nothing imported.
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
    const report: ImportReport = {
      imported: count('CREATED', 'UPDATED'),
      unchanged: count('UNCHANGED'),
      rejected: count('REJECTED'),
      rows: results,
      ignoredColumns: file.ignoredColumns,
    };
    const counts = {
      rows: results.length,
      imported: report.imported,
      unchanged: report.unchanged,
      rejected: report.rejected,
    };
    // Each imported row has its own line (INITIATIVE_REPORTED, via CSV_IMPORT); this one is the import as a whole.
    await this.audit.record(undefined, [
      {
        partnerRef: partner.ref,
        channel: 'API',
        action: 'CSV_IMPORTED',
        outcome: 'IMPORTED',
        entries: [],
        actor: { sub: command.actor.sub, org: command.actor.org },
        details: counts,
      },
    ]);
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
