import {
  ALLOWED_TRANSITIONS,
  contentShapeProblems,
  initiativeId as makeInitiativeId,
  initiativeRuleViolations,
  InitiativeSnapshot,
  isAllowedTransition,
  LOCAL_ID_PATTERN,
} from '@ctp/contracts';
import { InitiativeRuleViolation, InvalidTransition, MalformedInitiative } from './initiative-errors';

/** The reporter-supplied fields of a snapshot, in a fixed order so snapshots compare and serialise the same way. */
const CONTENT_FIELDS = [
  'kind',
  'codeName',
  'title',
  'titleAlt',
  'description',
  'actionStreams',
  'capabilities',
  'status',
  'dates',
  'scope',
  'recipientCountries',
  'participatingOrgs',
  'relatedInitiatives',
  'otherIdentifiers',
  'visibility',
] as const;

export type InitiativeContent = Pick<InitiativeSnapshot, (typeof CONTENT_FIELDS)[number]>;

/** Checks the shape of what a reporter sent and returns only the content fields (400 when malformed). */
export function parseContent(body: unknown, extraAllowed: readonly string[] = []): InitiativeContent {
  const plain = { ...(body as Record<string, unknown>) };
  for (const k of extraAllowed) delete plain[k];
  const problems = contentShapeProblems(
    body === null || typeof body !== 'object' || Array.isArray(body) ? body : plain,
  );
  if (problems.length) throw new MalformedInitiative(problems);
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (plain[f] !== undefined) content[f] = plain[f];
  const c = content as unknown as InitiativeContent;
  c.actionStreams = { primary: c.actionStreams.primary, secondary: c.actionStreams.secondary ?? [] };
  return c;
}

export function parseLocalId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !LOCAL_ID_PATTERN.test(value)) {
    throw new MalformedInitiative([
      { field: 'localId', rule: 'matches', message: 'localId must match [A-Za-z0-9._-]{1,40}' },
    ]);
  }
  return value;
}

export interface Owner {
  orgRef: string;
}

/** Version 1 of a new initiative, checked against every rule (422 when a rule is broken). */
export function firstVersion(owner: Owner, localId: string, content: InitiativeContent, now: Date): InitiativeSnapshot {
  return checked({
    initiativeId: makeInitiativeId(owner.orgRef, localId),
    reportingOrg: { ref: owner.orgRef, type: 'HUB', secondaryReporter: false },
    version: 1,
    lastUpdatedAt: now.toISOString(),
    ...content,
  });
}

/**
 * The next version after `current` with `content` replacing it, or `undefined` when the content is what is stored
 * already (a no-op creates no version and no event).
 */
export function nextVersion(
  current: InitiativeSnapshot,
  content: InitiativeContent,
  now: Date,
): InitiativeSnapshot | undefined {
  if (sameContent(current, content)) return undefined;
  if (!isAllowedTransition(current.status, content.status)) {
    throw new InvalidTransition(current.status, content.status, ALLOWED_TRANSITIONS[current.status]);
  }
  return checked({
    initiativeId: current.initiativeId,
    reportingOrg: current.reportingOrg,
    version: current.version + 1,
    lastUpdatedAt: now.toISOString(),
    ...content,
  });
}

export function withdrawnVersion(current: InitiativeSnapshot, reason: string, now: Date): InitiativeSnapshot {
  return {
    ...current,
    version: current.version + 1,
    lastUpdatedAt: now.toISOString(),
    withdrawal: { reason, withdrawnAt: now.toISOString() },
  };
}

export function sameContent(current: InitiativeSnapshot, content: InitiativeContent): boolean {
  return canonical(pickContent(current)) === canonical(content);
}

function pickContent(s: InitiativeSnapshot): InitiativeContent {
  const out: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (s[f] !== undefined) out[f] = s[f];
  return out as unknown as InitiativeContent;
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

function checked(snapshot: InitiativeSnapshot): InitiativeSnapshot {
  const violations = initiativeRuleViolations(snapshot, Date.parse(snapshot.lastUpdatedAt));
  if (violations.length) {
    throw new InitiativeRuleViolation(violations.map(({ field, rule, message }) => ({ field, rule, message })));
  }
  return snapshot;
}
