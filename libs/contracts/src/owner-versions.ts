import {
  CONTENT_FIELDS,
  InitiativeSnapshot,
  InitiativeStatus,
  ReportingOrg,
  initiativeId as makeInitiativeId,
} from './initiative';
import { ALLOWED_TRANSITIONS, isAllowedTransition } from './initiative-rules';
import { normalizeText, textProblem } from './text-rules';
import { checkInitiativeSnapshot, FieldProblem } from './validation';

/*
 * What an owner of initiatives (a hub for its own, partner-liaison for its partners') does to turn what a reporter
 * sent into the next snapshot: pick the content, tell a real change from a no-op, check the transition and the rules.
 * Pure; each service maps the results to its own errors.
 */

export type InitiativeContent = Pick<InitiativeSnapshot, (typeof CONTENT_FIELDS)[number]>;

/**
 * The content fields of an already shape-checked body (missing secondary streams become []), every text normalised to
 * NFC.
 */
export function contentOf(plain: Record<string, unknown>): InitiativeContent {
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS)
    if (Object.hasOwn(plain, f) && plain[f] !== undefined) content[f] = normalizeText(plain[f]);
  const c = content as unknown as InitiativeContent;
  c.actionStreams = { primary: c.actionStreams.primary, secondary: c.actionStreams.secondary ?? [] };
  return c;
}

/** JSON with object keys sorted, so two equal contents give the same text whatever order their keys came in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function sameContent(current: InitiativeSnapshot, content: InitiativeContent): boolean {
  return canonical(contentOf(current as unknown as Record<string, unknown>)) === canonical(content);
}

export type VersionResult =
  { kind: 'version'; snapshot: InitiativeSnapshot } | { kind: 'rulesBroken'; problems: FieldProblem[] };

export type NextVersionResult =
  | VersionResult
  | { kind: 'unchanged' }
  | { kind: 'invalidTransition'; from: InitiativeStatus; to: InitiativeStatus; allowed: readonly InitiativeStatus[] };

/**
 * The owner's verdict is the consumers' verdict: the snapshot it is about to store and publish goes through exactly
 * the check every consumer applies (`checkInitiativeSnapshot`: the compiled shape, then the rules), judged at its own
 * report time. Nothing an owner accepts can then be refused downstream for its content.
 */
function checked(snapshot: InitiativeSnapshot): VersionResult {
  const check = checkInitiativeSnapshot(snapshot, Date.parse(snapshot.lastUpdatedAt));
  return check.ok
    ? { kind: 'version', snapshot }
    : { kind: 'rulesBroken', problems: check.problems.map(({ field, rule, message }) => ({ field, rule, message })) };
}

/** Version 1 of a new initiative, checked against every rule. */
export function firstVersionOf(
  reportingOrg: ReportingOrg,
  localId: string,
  content: InitiativeContent,
  now: Date,
): VersionResult {
  return checked({
    initiativeId: makeInitiativeId(reportingOrg.ref, localId),
    reportingOrg,
    version: 1,
    lastUpdatedAt: now.toISOString(),
    ...content,
  });
}

/** The version after `current` with `content` replacing it; `unchanged` when the content is what is stored. */
export function nextVersionOf(current: InitiativeSnapshot, content: InitiativeContent, now: Date): NextVersionResult {
  if (sameContent(current, content)) return { kind: 'unchanged' };
  if (!isAllowedTransition(current.status, content.status)) {
    return {
      kind: 'invalidTransition',
      from: current.status,
      to: content.status,
      allowed: ALLOWED_TRANSITIONS[current.status],
    };
  }
  return checked({
    initiativeId: current.initiativeId,
    reportingOrg: current.reportingOrg,
    version: current.version + 1,
    lastUpdatedAt: now.toISOString(),
    ...content,
  });
}

/** Withdrawal ("reported in error") is one more version, carrying the reason; nothing can follow it. */
export function withdrawnVersionOf(current: InitiativeSnapshot, reason: string, now: Date): InitiativeSnapshot {
  return {
    ...current,
    version: current.version + 1,
    lastUpdatedAt: now.toISOString(),
    withdrawal: { reason: reason.trim().normalize('NFC'), withdrawnAt: now.toISOString() },
  };
}

/** Why a withdrawal's reason is refused: missing or blank, longer than 1000 characters, or text that breaks a text rule. */
export function withdrawalReasonProblems(reason: unknown): FieldProblem[] {
  // Judged as it will be stored (trimmed, NFC: some characters decompose and lengthen), so the length the platform
  // checks is the length checked here.
  const stored = typeof reason === 'string' && reason.length <= 4000 ? reason.trim().normalize('NFC') : undefined;
  if (stored === undefined || stored.length === 0 || stored.length > 1000) {
    return [
      {
        field: 'reason',
        rule: 'isNotEmpty',
        message: 'reason must say, in 1 to 1000 characters, why the record was reported in error',
      },
    ];
  }
  const problem = textProblem('reason', stored);
  return problem ? [problem] : [];
}
