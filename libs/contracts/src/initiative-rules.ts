import { isCountryCode } from './countries';
import { InitiativeSnapshot, InitiativeStatus, InitiativeWithdrawal, LOCAL_ID_PATTERN } from './initiative';
import { textProblems } from './text-rules';

/**
 * The reasons a consumer gives when it rejects a snapshot (docs/domain.md "Consumer rules, in order"); the hub answers 422 with the
 * same `rule` names per field.
 */
export type SnapshotRejectReason = 'INVALID_DATES' | 'ACTUAL_DATE_IN_FUTURE' | 'SCHEMA';

export interface RuleViolation {
  /** Path of the offending field, e.g. `dates.actualStart`. */
  field: string;
  /** Stable rule name, e.g. `actualStartRequired`. */
  rule: string;
  message: string;
  reason: SnapshotRejectReason;
}

/** docs/domain.md "Statuses and transitions"; same-status updates are always allowed. */
export const ALLOWED_TRANSITIONS: Readonly<Record<InitiativeStatus, readonly InitiativeStatus[]>> = {
  PIPELINE: ['IMPLEMENTATION', 'CANCELLED'],
  IMPLEMENTATION: ['FINALISATION', 'CLOSED', 'SUSPENDED', 'CANCELLED'],
  SUSPENDED: ['IMPLEMENTATION', 'CANCELLED'],
  FINALISATION: ['CLOSED'],
  CLOSED: [],
  CANCELLED: [],
};

export function isAllowedTransition(from: InitiativeStatus, to: InitiativeStatus): boolean {
  return from === to || ALLOWED_TRANSITIONS[from].includes(to);
}

/** The owners' refusal of a status change (hub and partner-liaison word it the same): field `status`, rule `allowedTransition`. */
export function transitionProblem(
  from: InitiativeStatus,
  to: InitiativeStatus,
  allowed: readonly InitiativeStatus[] = ALLOWED_TRANSITIONS[from],
): { field: 'status'; rule: 'allowedTransition'; message: string } {
  return {
    field: 'status',
    rule: 'allowedTransition',
    message: `${from} → ${to} is not allowed; from ${from} the status can become ${allowed.length ? allowed.join(', ') : 'nothing (terminal)'}`,
  };
}

const NEEDS_ACTUAL_START: ReadonlySet<InitiativeStatus> = new Set([
  'IMPLEMENTATION',
  'FINALISATION',
  'CLOSED',
  'SUSPENDED',
]);
const NEEDS_ACTUAL_END: ReadonlySet<InitiativeStatus> = new Set(['FINALISATION', 'CLOSED']);

/**
 * A report made late in the evening in Asia carries a local date that is already "tomorrow" in UTC. Actual dates are
 * compared with the report time plus the largest time-zone offset in use (UTC+14), so no hub is refused for its
 * time zone, and a date two days ahead still is.
 */
export const REPORT_DATE_TOLERANCE_MS = 14 * 3600 * 1000;

/** How far `lastUpdatedAt` may be ahead of the checking machine's clock (clock skew between organisations). */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60 * 1000;

/**
 * The dates a record may carry, planned or actual (docs/domain.md "Validation", Dates): from 1990 — before any counter-terrorism
 * activity this registry coordinates — to the end of 2099. A year 0000 or 9999 is a typing or conversion error, and
 * PostgreSQL cannot even store some of them. The JSON Schema says the same with its pattern.
 */
export const EARLIEST_DATE = '1990-01-01';
export const LATEST_DATE = '2099-12-31';
/** The longest a planned or actual interval may last: ten years (a longer programme is reported in phases). */
export const MAX_SPAN_YEARS = 10;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function dateMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!ISO_DATE.test(value) || value < EARLIEST_DATE || value > LATEST_DATE) return NaN;
  const ms = Date.parse(`${value}T00:00:00Z`);
  // Date.parse accepts 2027-02-30 as 2 March: check the round trip.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? NaN : ms;
}

/**
 * An ISO 8601 instant with an explicit zone (`Z` or `±hh:mm`) on a real calendar day. Date.parse alone also takes prose
 * dates, rolls 30 February over to March, and reads a zone-less time as local time, so the verdict would depend on the
 * checking machine's time zone.
 */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function timestampMs(value: unknown): number {
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value) || Number.isNaN(dateMs(value.slice(0, 10)))) return NaN;
  return Date.parse(value);
}

/** `to` is at most MAX_SPAN_YEARS calendar years after `from` (both valid dates). */
function withinSpan(from: string, to: string): boolean {
  const limit = `${String(Number(from.slice(0, 4)) + MAX_SPAN_YEARS).padStart(4, '0')}${from.slice(4)}`;
  return to <= limit;
}

/**
 * The rules of a snapshot that hold on their own, whatever was stored before (docs/domain.md "Validation"). Types and
 * enumerations are class-validator's job (`InitiativeSnapshotV1`); this checks how the fields fit together.
 * `now` is only used for `lastUpdatedAt` itself: actual dates are judged against the report time, so a replay years
 * later gives the same verdict.
 */
export function initiativeRuleViolations(s: InitiativeSnapshot, now: number = Date.now()): RuleViolation[] {
  const out: RuleViolation[] = [];
  const add = (field: string, rule: string, message: string, reason: SnapshotRejectReason = 'SCHEMA') =>
    out.push({ field, rule, message, reason });

  const reportedAt = identityViolations(s, now, add);

  const d = s.dates ?? {};
  const ms = {
    plannedStart: dateMs(d.plannedStart),
    plannedEnd: dateMs(d.plannedEnd),
    actualStart: dateMs(d.actualStart),
    actualEnd: dateMs(d.actualEnd),
  };
  for (const [k, v] of Object.entries(ms)) {
    if (Number.isNaN(v)) {
      add(
        `dates.${k}`,
        'isoDate',
        `dates.${k} must be a calendar date YYYY-MM-DD from ${EARLIEST_DATE} to ${LATEST_DATE}`,
      );
    }
  }
  const ordered = (a: keyof typeof ms, b: keyof typeof ms, kind: string) => {
    const x = ms[a];
    const y = ms[b];
    if (x !== undefined && y !== undefined && !Number.isNaN(x) && !Number.isNaN(y) && x > y) {
      add(`dates.${b}`, `${kind}Order`, `dates.${a} (${d[a]}) is after dates.${b} (${d[b]})`, 'INVALID_DATES');
    }
  };
  ordered('plannedStart', 'plannedEnd', 'planned');
  ordered('actualStart', 'actualEnd', 'actual');
  const span = (a: keyof typeof ms, b: keyof typeof ms) => {
    const x = ms[a];
    const y = ms[b];
    if (
      x !== undefined &&
      y !== undefined &&
      !Number.isNaN(x) &&
      !Number.isNaN(y) &&
      x <= y &&
      !withinSpan(d[a]!, d[b]!)
    ) {
      add(
        `dates.${b}`,
        'spanAtMost10Years',
        `dates.${a} (${d[a]}) to dates.${b} (${d[b]}) is longer than ${MAX_SPAN_YEARS} years: report a longer programme in phases`,
        'INVALID_DATES',
      );
    }
  };
  span('plannedStart', 'plannedEnd');
  span('actualStart', 'actualEnd');
  if (!Number.isNaN(reportedAt)) {
    for (const k of ['actualStart', 'actualEnd'] as const) {
      const v = ms[k];
      if (v !== undefined && !Number.isNaN(v) && v > reportedAt + REPORT_DATE_TOLERANCE_MS) {
        add(
          `dates.${k}`,
          'notAfterReport',
          `dates.${k} (${d[k]}) is after the report time ${s.lastUpdatedAt}: nothing can have actually happened after it was reported`,
          'ACTUAL_DATE_IN_FUTURE',
        );
      }
    }
  }

  if (NEEDS_ACTUAL_START.has(s.status) && d.actualStart === undefined) {
    add('dates.actualStart', 'actualStartRequired', `status ${s.status} needs dates.actualStart`, 'INVALID_DATES');
  }
  if (NEEDS_ACTUAL_END.has(s.status) && d.actualEnd === undefined) {
    add('dates.actualEnd', 'actualEndRequired', `status ${s.status} needs dates.actualEnd`, 'INVALID_DATES');
  }
  if (s.status === 'PIPELINE' && d.actualStart !== undefined) {
    add(
      'dates.actualStart',
      'noActualStartInPipeline',
      'a PIPELINE initiative has not started: remove dates.actualStart',
      'INVALID_DATES',
    );
  }
  if (s.status === 'PIPELINE' && d.actualEnd !== undefined) {
    add(
      'dates.actualEnd',
      'noActualEndInPipeline',
      'a PIPELINE initiative has not ended: remove dates.actualEnd',
      'INVALID_DATES',
    );
  }

  const countries = s.recipientCountries ?? [];
  if (s.scope === 'GLOBAL' && countries.length > 0) {
    add('recipientCountries', 'globalHasNoCountries', 'a GLOBAL initiative lists no recipient countries');
  }
  const seen = new Set<string>();
  countries.forEach((c, i) => {
    if (!isCountryCode(c))
      add(
        `recipientCountries[${i}]`,
        'isoCountry',
        `${JSON.stringify(c)} is not an ISO 3166-1 alpha-2 code (upper case)`,
      );
    else if (seen.has(c)) add(`recipientCountries[${i}]`, 'noRepeats', `${c} is listed twice`);
    seen.add(c);
  });

  if (s.actionStreams?.secondary?.includes(s.actionStreams.primary)) {
    add('actionStreams.secondary', 'notPrimary', 'the primary action stream is not repeated among the secondary ones');
  }
  const langs = new Set([s.title?.lang]);
  (s.titleAlt ?? []).forEach((t, i) => {
    if (langs.has(t.lang)) add(`titleAlt[${i}].lang`, 'oneTitlePerLanguage', `a title in ${t.lang} is already given`);
    langs.add(t.lang);
  });
  (s.relatedInitiatives ?? []).forEach((r, i) => {
    if (r.ref === s.initiativeId)
      add(`relatedInitiatives[${i}].ref`, 'notSelf', 'an initiative is not related to itself');
  });
  if (s.withdrawal !== undefined && Number.isNaN(timestampMs(s.withdrawal?.withdrawnAt))) {
    add('withdrawal.withdrawnAt', 'isoTimestamp', 'withdrawal.withdrawnAt must be an ISO 8601 timestamp with a zone');
  }
  for (const p of textProblems(s)) add(p.field, p.rule, p.message);
  return out;
}

type AddViolation = (field: string, rule: string, message: string, reason?: SnapshotRejectReason) => void;

/**
 * The rules of the owner-assigned fields, the same in a whole snapshot and a withdrawal tombstone: the id under the
 * reporting organisation's prefix, `lastUpdatedAt` a real instant not ahead of the clock. Returns the report time
 * (NaN when invalid).
 */
function identityViolations(
  s: Pick<InitiativeSnapshot, 'initiativeId' | 'reportingOrg' | 'lastUpdatedAt'>,
  now: number,
  add: AddViolation,
): number {
  const ref = s.reportingOrg?.ref;
  const prefix = `${ref}-`;
  if (typeof s.initiativeId !== 'string' || !s.initiativeId.startsWith(prefix)) {
    add('initiativeId', 'ownPrefix', `initiativeId must start with the reporting organisation's ref "${prefix}"`);
  } else if (!LOCAL_ID_PATTERN.test(s.initiativeId.slice(prefix.length))) {
    add('initiativeId', 'localIdPattern', 'the part after the organisation ref must match [A-Za-z0-9._-]{1,40}');
  }

  const reportedAt = timestampMs(s.lastUpdatedAt);
  if (Number.isNaN(reportedAt)) {
    add(
      'lastUpdatedAt',
      'isoTimestamp',
      `lastUpdatedAt must be an ISO 8601 timestamp with a zone, between ${EARLIEST_DATE} and ${LATEST_DATE}`,
    );
  } else if (reportedAt > now + CLOCK_SKEW_ALLOWANCE_MS) {
    add('lastUpdatedAt', 'notInFuture', 'lastUpdatedAt is in the future', 'ACTUAL_DATE_IN_FUTURE');
  }
  return reportedAt;
}

/**
 * The rules of a withdrawal tombstone (`ctp:initiative-withdrawal:v1`) that hold on its own: those of the identity
 * (as in a whole snapshot), `withdrawal.withdrawnAt` a real instant when given, and the text rules on every string
 * (the reason's included). Its shape is the compiled schema's job (`checkInitiativeWithdrawal`).
 */
export function withdrawalRuleViolations(t: InitiativeWithdrawal, now: number = Date.now()): RuleViolation[] {
  const out: RuleViolation[] = [];
  const add = (field: string, rule: string, message: string, reason: SnapshotRejectReason = 'SCHEMA') =>
    out.push({ field, rule, message, reason });
  identityViolations(t, now, add);
  if (t.withdrawal?.withdrawnAt !== undefined && Number.isNaN(timestampMs(t.withdrawal.withdrawnAt))) {
    add('withdrawal.withdrawnAt', 'isoTimestamp', 'withdrawal.withdrawnAt must be an ISO 8601 timestamp with a zone');
  }
  for (const p of textProblems(t)) add(p.field, p.rule, p.message);
  return out;
}
