/**
 * `npm run matching:refit [-- --apply --by <name> [--note <text>]]`
 *
 * Learning from analysts (docs/matching.md "Learning from analysts' decisions"): re-fits the matching model on the
 * calibration part of the labelled set plus the decisions analysts recorded on pairs in the platform's database,
 * shows the model in use and the proposed one side by side, their quality, and what would change for the pairs the
 * platform holds; with `--apply`, stores the proposed model in `matching_models`, where the platform picks it up.
 */
import 'reflect-metadata';
import { InitiativeSnapshot } from '@ctp/contracts';
import { buildDataSourceOptions, redactDatabaseUrl } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { loadPlatformConfig } from '../apps/platform/src/config/platform.config';
import {
  IgnoredModel,
  MATCHING_MODEL_REFRESH_MS,
  ModelInUse,
  modelInUseOf,
} from '../apps/platform/src/overlaps/application/active-matching-model';
import { MatchCandidate, toMatchCandidate } from '../apps/platform/src/overlaps/domain/match-candidate';
import {
  evaluate,
  formatEvaluation,
  LabelledCandidates,
  partOf,
  samplesOf,
} from '../apps/platform/src/overlaps/domain/matching-evaluation';
import { fitModel } from '../apps/platform/src/overlaps/domain/matching-fit';
import { MatchingModel, modelProblems, SignalName, SIGNALS } from '../apps/platform/src/overlaps/domain/matching-model';
import { comparePair, PairVerdict } from '../apps/platform/src/overlaps/domain/pair-matcher';
import {
  MatchingModelRepository,
  StoredMatchingModel,
} from '../apps/platform/src/overlaps/persistence/matching-model.repository';
import { labelledCandidates } from '../test/fixtures/matching';
import { exitCodesHelp, HELP_OPTION, main as runMain, parseCommandLine as parseToolArgs, UsageError } from './cli';

export const USAGE = `Usage: npm run matching:refit [-- --apply --by <name> [--note <text>]]

Re-fits the matching model on the calibration part of the labelled set (test/fixtures/matching) plus the analysts'
decisions stored in the platform's database (a CONFIRMED pair counts as a DUPLICATE, a REJECTED one as none; pairs
whose records are withdrawn or gone are skipped and counted). Prints the model in use and the proposed one side by
side, their precision/recall/F1 on the held-out part of the labelled set and on the decisions, and what would change:
every pair the platform holds (both records live) scored by both models — pairs newly flagged, newly cleared or
changing class.

A dry run is the default: nothing is written unless --apply.

  --apply          store the proposed model in matching_models: the platform scores with it within
                   MATCHING_MODEL_REFRESH_MS (30 s), GET /overlaps/model shows it
  --by <name>      who applies it (required with --apply)
  --note <text>    why (optional, shown by GET /overlaps/model)
  --dry-run        print only, write nothing (the default; not with --apply)
  -h, --help       this text

The database: DATABASE_URL, else PG* variables, as the platform reads them (a role that may read overlap_pairs and
registry_initiatives, and with --apply insert into matching_models).

Examples:
  npm run matching:refit
  npm run matching:refit -- --apply --by jane.doe --note "after the March review of 120 decisions"
  DATABASE_URL=postgres://ops@db.internal/ctp_platform npm run matching:refit

${exitCodesHelp('failed (nothing to fit, an invalid model, the database refused a query)')}`;

/** The lines of pair changes printed at most (then a count). */
export const MAX_CHANGE_LINES = 50;
/** Pairs re-scored per query. */
const PAGE = 1000;

export interface RefitOptions {
  databaseUrl: string;
  /** Store the proposed model (who, and why). Without: a dry run. */
  apply?: { by: string; note?: string };
  /** When the refit happens (its version is `refit-<this, ISO>`). */
  now?: Date;
  /** Where the report goes, a block of lines at a time (stdout by default). */
  print?: (text: string) => void;
  /** The labelled set (test/fixtures/matching by default). */
  labelled?: readonly LabelledCandidates[];
}

export type ChangeKind = 'newly flagged' | 'newly cleared' | 'changes class';

export interface PairChange {
  pairId: string;
  aId: string;
  bId: string;
  kind: ChangeKind;
  before: { classification: string | null; score: number; rule: string };
  after: { classification: string | null; score: number; rule: string };
  /** The analyst's decision on the pair, if any: it stays effective whatever the score. */
  decision: string | null;
}

export interface RefitResult {
  current: ModelInUse;
  /** Applied models the platform ignores (they fail the checks). */
  ignored: IgnoredModel[];
  proposed: MatchingModel;
  decisions: { decided: number; used: number; withdrawn: number; gone: number; unknown: number };
  samples: { calibration: number; decisions: number };
  /** Stored pairs with both records live, scored by both models. */
  rescored: number;
  changes: PairChange[];
  /** The row stored, with --apply. */
  applied?: StoredMatchingModel;
}

/** What an analyst's decision teaches: CONFIRMED is the same activity (a DUPLICATE, as the platform then counts it). */
export function labelOfDecision(decision: string): 'DUPLICATE' | null | undefined {
  return decision === 'CONFIRMED' ? 'DUPLICATE' : decision === 'REJECTED' ? null : undefined;
}

/** How a pair's verdict moves from one model to the other (undefined: it keeps its class). */
export function changeOf(before: PairVerdict, after: PairVerdict): ChangeKind | undefined {
  if (before.classification === after.classification) return undefined;
  if (before.classification === null) return 'newly flagged';
  if (after.classification === null) return 'newly cleared';
  return 'changes class';
}

/** A record as json_build_object gives it (every field null when the record is gone; the time as text). */
interface RecordRow {
  snapshot: InitiativeSnapshot | null;
  first_reported_at: string | null;
  withdrawn: boolean | null;
}

const candidateOf = (snapshot: InitiativeSnapshot, firstReportedAt: Date): MatchCandidate =>
  toMatchCandidate(snapshot, firstReportedAt.toISOString());

/** The decided pairs, as labelled pairs on both records' current snapshots, and those skipped. */
async function readDecisions(
  db: DataSource,
): Promise<{ pairs: LabelledCandidates[]; counts: RefitResult['decisions']; lastDecidedAt?: string }> {
  const rows: ({
    id: string;
    a_id: string;
    b_id: string;
    decision: string;
    decided_at: Date | null;
  } & { a: RecordRow; b: RecordRow })[] = await db.query(
    `SELECT p.id::text AS id, p.a_id, p.b_id, p.decision, p.decided_at,
            json_build_object('snapshot', ra.snapshot, 'first_reported_at', ra.first_reported_at,
                              'withdrawn', ra.withdrawn) AS a,
            json_build_object('snapshot', rb.snapshot, 'first_reported_at', rb.first_reported_at,
                              'withdrawn', rb.withdrawn) AS b
       FROM overlap_pairs p
       LEFT JOIN registry_initiatives ra ON ra.initiative_id = p.a_id
       LEFT JOIN registry_initiatives rb ON rb.initiative_id = p.b_id
      WHERE p.decision IS NOT NULL
      ORDER BY p.decided_at NULLS FIRST, p.id`,
  );
  const counts = { decided: rows.length, used: 0, withdrawn: 0, gone: 0, unknown: 0 };
  const pairs: LabelledCandidates[] = [];
  let lastDecidedAt: string | undefined;
  for (const r of rows) {
    const expected = labelOfDecision(r.decision);
    if (expected === undefined) {
      counts.unknown++;
      continue;
    }
    if (!r.a.snapshot || !r.b.snapshot) {
      counts.gone++;
      continue;
    }
    if (r.a.withdrawn || r.b.withdrawn) {
      counts.withdrawn++;
      continue;
    }
    counts.used++;
    pairs.push({
      name: `pair ${r.id} (${r.a_id} ↔ ${r.b_id}, ${r.decision})`,
      a: candidateOf(r.a.snapshot, new Date(r.a.first_reported_at!)),
      b: candidateOf(r.b.snapshot, new Date(r.b.first_reported_at!)),
      expected,
    });
    if (r.decided_at) lastDecidedAt = r.decided_at.toISOString();
  }
  return { pairs, counts, lastDecidedAt };
}

/** Every stored pair whose two records are live, scored by both models: how many, and those whose class moves. */
async function rescoreStoredPairs(
  db: DataSource,
  current: MatchingModel,
  proposed: MatchingModel,
): Promise<{ rescored: number; changes: PairChange[] }> {
  const changes: PairChange[] = [];
  let rescored = 0;
  let after = '0';
  for (;;) {
    const rows: {
      id: string;
      a_id: string;
      b_id: string;
      decision: string | null;
      a_snapshot: InitiativeSnapshot;
      a_first: Date;
      b_snapshot: InitiativeSnapshot;
      b_first: Date;
    }[] = await db.query(
      `SELECT p.id::text AS id, p.a_id, p.b_id, p.decision,
              ra.snapshot AS a_snapshot, ra.first_reported_at AS a_first,
              rb.snapshot AS b_snapshot, rb.first_reported_at AS b_first
         FROM overlap_pairs p
         JOIN registry_initiatives ra ON ra.initiative_id = p.a_id AND NOT ra.withdrawn
         JOIN registry_initiatives rb ON rb.initiative_id = p.b_id AND NOT rb.withdrawn
        WHERE p.id > $1::bigint
        ORDER BY p.id LIMIT $2`,
      [after, PAGE],
    );
    for (const r of rows) {
      const a = candidateOf(r.a_snapshot, r.a_first);
      const b = candidateOf(r.b_snapshot, r.b_first);
      const before = comparePair(a, b, current);
      const next = comparePair(a, b, proposed);
      rescored++;
      const kind = changeOf(before, next);
      if (!kind) continue;
      const verdict = (v: PairVerdict) => ({ classification: v.classification, score: v.score, rule: v.rule });
      changes.push({
        pairId: r.id,
        aId: r.a_id,
        bId: r.b_id,
        kind,
        before: verdict(before),
        after: verdict(next),
        decision: r.decision,
      });
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1].id;
  }
  return { rescored, changes };
}

const fixed = (x: number) => x.toFixed(6);

const overlapWeight = (m: MatchingModel, s: SignalName) => (m.overlap ? fixed(m.overlap.weights[s]) : '-');
const overlapIntercept = (m: MatchingModel) => (m.overlap ? fixed(m.overlap.intercept) : '-');

/** The two models' numbers side by side. */
export function formatModels(current: ModelInUse, proposed: MatchingModel): string {
  const col = (s: string) => s.padEnd(Math.max(current.model.version.length, 'in use'.length) + 4);
  const width = Math.max(...SIGNALS.map((s) => s.length), 'OVERLAP score: intercept'.length) + 2;
  const label = (s: string) => s.padEnd(width);
  const source =
    current.source === 'applied'
      ? `applied ${current.appliedAt} by ${current.appliedBy}${current.note ? ` (${current.note})` : ''}`
      : 'shipped (in the code; no model applied)';
  const lines = [
    `${label('')}${col('in use')}proposed`,
    `${label('version')}${col(current.model.version)}${proposed.version}`,
    ...SIGNALS.map((s) => `${label(s)}${col(fixed(current.model.weights[s] ?? 0))}${fixed(proposed.weights[s])}`),
    `${label('intercept')}${col(fixed(current.model.intercept))}${fixed(proposed.intercept)}`,
    ...(current.model.overlap || proposed.overlap
      ? [
          'OVERLAP score (a model without one: the score above for both cuts)',
          ...SIGNALS.map((s) => `${label(s)}${col(overlapWeight(current.model, s))}${overlapWeight(proposed, s)}`),
          `${label('intercept')}${col(overlapIntercept(current.model))}${overlapIntercept(proposed)}`,
        ]
      : []),
    `${label('DUPLICATE ≥')}${col(String(current.model.thresholds.duplicate))}${proposed.thresholds.duplicate}`,
    `${label('OVERLAP ≥')}${col(String(current.model.thresholds.overlap))}${proposed.thresholds.overlap}`,
    `in use:   ${source}; fitted on ${current.model.fittedOn}`,
    `proposed: fitted on ${proposed.fittedOn}`,
  ];
  return lines.join('\n');
}

/** Misclassified pairs listed per evaluation, at most (then a count). */
export const MAX_MISSES_LISTED = 10;

/** `formatEvaluation`'s text with its list of misclassified pairs cut to `max` lines and a count. */
export function withMissesCut(text: string, max = MAX_MISSES_LISTED): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Misclassified:'));
  if (at < 0) return text;
  const misses = lines.slice(at + 1);
  if (misses.length <= max) return text;
  return [
    ...lines.slice(0, at),
    `Misclassified: ${misses.length}, the first ${max}:`,
    ...misses.slice(0, max),
    `  … and ${misses.length - max} more`,
  ].join('\n');
}

const className = (c: string | null) => c ?? 'none';

/** What would change, at most `MAX_CHANGE_LINES` lines then a count. */
export function formatChanges(rescored: number, changes: readonly PairChange[]): string {
  const count = (k: ChangeKind) => changes.filter((c) => c.kind === k).length;
  const lines = [
    `${rescored} stored pairs with both records live, scored by both models: ` +
      `${count('newly flagged')} newly flagged, ${count('newly cleared')} newly cleared, ` +
      `${count('changes class')} changing class, ${rescored - changes.length} unchanged.`,
  ];
  for (const c of changes.slice(0, MAX_CHANGE_LINES)) {
    const v = (x: PairChange['before']) => `${className(x.classification)} ${x.score.toFixed(3)}`;
    lines.push(
      `  pair ${c.pairId} ${c.aId} ↔ ${c.bId}: ${v(c.before)} → ${v(c.after)} (${c.kind})` +
        (c.decision ? ` — decided ${c.decision}, which stays in force` : ''),
    );
  }
  if (changes.length > MAX_CHANGE_LINES) lines.push(`  … and ${changes.length - MAX_CHANGE_LINES} more`);
  lines.push(
    'Only pairs stored in overlap_pairs are re-scored here: pairs no model in use has flagged (and no analyst has ' +
      'decided) are not stored, so not re-scanned; a full detection pass over the registry finds those ' +
      '(npm run platform:rebuild runs one into a separate database and compares it with the live one).',
  );
  return lines.join('\n');
}

/**
 * The refit: reads the decisions and the pairs, fits, prints the comparison, and with `apply` stores the proposed
 * model. Throws on a failure (the caller exits 1).
 */
export async function refit(options: RefitOptions): Promise<RefitResult> {
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const now = options.now ?? new Date();
  const labelled = options.labelled ?? labelledCandidates();
  const calibration = labelled.filter((p) => partOf(p.name) === 'calibration');
  const heldOut = labelled.filter((p) => partOf(p.name) === 'held-out');
  const db = new DataSource(
    buildDataSourceOptions({
      databaseUrl: options.databaseUrl,
      applicationName: 'matching-refit',
      migrations: [],
      poolSize: 2,
    }),
  );
  await db.initialize();
  try {
    const repository = new MatchingModelRepository(db);
    print(
      options.apply
        ? `matching:refit on ${redactDatabaseUrl(options.databaseUrl)}: the proposed model will be applied (--apply).`
        : `matching:refit on ${redactDatabaseUrl(options.databaseUrl)}: dry run (the default) — nothing is written; ` +
            '--apply --by <name> stores the proposed model.',
    );
    const { inUse: current, ignored } = modelInUseOf(
      await repository.applied().catch((e: Error & { code?: string }) => {
        throw e.code === '42P01'
          ? new Error('the table matching_models does not exist: start the upgraded platform once (it migrates)')
          : e;
      }),
    );
    for (const i of ignored)
      print(`WARNING: applied model ${i.version} (${i.appliedAt}) is invalid and ignored: ${i.problems.join('; ')}`);

    const { pairs: decided, counts, lastDecidedAt } = await readDecisions(db);
    print(
      `\n== Analysts' decisions: ${counts.decided} recorded, ${counts.used} used; skipped ${counts.withdrawn} with a ` +
        `withdrawn record, ${counts.gone} with a record no longer in the registry` +
        (counts.unknown ? `, ${counts.unknown} with an unknown decision` : '') +
        '. CONFIRMED counts as DUPLICATE, REJECTED as none; on both records as they are now.',
    );
    const calibrationSamples = samplesOf(calibration);
    const decisionSamples = samplesOf(decided);
    const proposed = fitModel([...calibrationSamples, ...decisionSamples], {
      version: `refit-${now.toISOString()}`,
      fittedOn:
        `${calibration.length} labelled pairs (calibration part of test/fixtures/matching; ` +
        `${calibrationSamples.length} scored) + ${decided.length} analysts' decisions ` +
        `(${decisionSamples.length} scored${lastDecidedAt ? `, decided up to ${lastDecidedAt}` : ''})`,
    });
    const problems = modelProblems(proposed);
    if (problems.length) throw new Error(`the proposed model is invalid: ${problems.join('; ')}`);
    if (decisionSamples.length === 0)
      print(
        'No decision is scored by the model (none recorded, or all decided by a rule before any weight counts): ' +
          'the proposed model is fitted on the labelled set alone.',
      );

    print(`\n== Models\n${formatModels(current, proposed)}`);
    print(`\n== Quality on the held-out part of the labelled set`);
    const quality = (pairs: readonly LabelledCandidates[], title: string, m: MatchingModel) =>
      print(withMissesCut(formatEvaluation(`${title} (${m.version})`, evaluate(pairs, m))));
    quality(heldOut, 'in use', current.model);
    quality(heldOut, 'proposed', proposed);
    print(`\n== Quality on the analysts' decisions (the proposed model was fitted on them)`);
    if (decided.length) {
      quality(decided, 'in use', current.model);
      quality(decided, 'proposed', proposed);
    } else print('none');

    const { rescored, changes } = await rescoreStoredPairs(db, current.model, proposed);
    print(`\n== What would change\n${formatChanges(rescored, changes)}`);

    const result: RefitResult = {
      current,
      ignored,
      proposed,
      decisions: counts,
      samples: { calibration: calibrationSamples.length, decisions: decisionSamples.length },
      rescored,
      changes,
    };
    if (!options.apply) {
      print('\nNothing written (dry run). To use the proposed model: npm run matching:refit -- --apply --by <name>');
      return result;
    }
    result.applied = await repository.insert({
      version: proposed.version,
      model: proposed,
      appliedBy: options.apply.by,
      note: options.apply.note ?? null,
    });
    print(
      `\nApplied ${proposed.version} (matching_models, ${result.applied.appliedAt}, by ${options.apply.by}). ` +
        `Each platform thread scores with it from its next read of matching_models (every MATCHING_MODEL_REFRESH_MS, ` +
        `${MATCHING_MODEL_REFRESH_MS / 1000} s by default); GET /overlaps/model shows the model in use.\n` +
        'Pairs already stored keep their verdicts until one of their records changes in what the matcher reads ' +
        '(titles, dates, countries, kind, streams, organisations, links, code name): detection then re-scores that ' +
        "record's pairs with this model. A status or description change alone does not. Analysts' decisions stay in " +
        'force whatever the score. npm run platform:rebuild replays the registry into a separate database with this ' +
        'model and reports whether it differs from the live one; it does not rewrite the live pairs.',
    );
    return result;
  } finally {
    await db.destroy();
  }
}

type Parsed = { help: true } | { options: Omit<RefitOptions, 'databaseUrl'> };

/** The command line, or why it is wrong (a UsageError: exit 2). */
export function parseCommandLine(args: readonly string[]): Parsed {
  const { values } = parseToolArgs(args, {
    options: {
      apply: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      by: { type: 'string' },
      note: { type: 'string' },
      ...HELP_OPTION,
    },
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  if (values.apply && values['dry-run']) throw new UsageError('--apply and --dry-run exclude each other');
  if (!values.apply) {
    if (values.by !== undefined || values.note !== undefined)
      throw new UsageError('--by and --note go with --apply (a dry run writes nothing)');
    return { options: {} };
  }
  const by = values.by?.trim();
  if (!by) throw new UsageError('--apply needs --by <name>: who applies the model');
  const note = values.note?.trim();
  return { options: { apply: { by, ...(note ? { note } : {}) } } };
}

if (require.main === module) {
  runMain('matching:refit', USAGE, async (argv) => {
    const parsed = parseCommandLine(argv);
    if ('help' in parsed) return 0; // answered by runMain already
    const { databaseUrl } = loadPlatformConfig(process.env, { serveHttp: false });
    await refit({ ...parsed.options, databaseUrl });
    return 0;
  });
}
