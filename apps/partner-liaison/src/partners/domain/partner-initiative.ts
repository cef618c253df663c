import {
  ALLOWED_TRANSITIONS,
  contentShapeProblems,
  initiativeId as makeInitiativeId,
  initiativeRuleViolations,
  InitiativeSnapshot,
  isAllowedTransition,
  LOCAL_ID_PATTERN,
} from '@ctp/contracts';
import { InvalidTransition, MalformedRequest, RuleViolation } from './partner-errors';

/*
 * A partner's initiative, owned here: partner-liaison assigns its id under the partner's prefix, its versions and its
 * report times, exactly as a hub does for its own (apps/hub/src/initiatives/domain/hub-initiative.ts), with
 * `reportingOrg.type = PARTNER` and `secondaryReporter = true` (DOMAIN.md).
 */

/** The reporter-supplied fields of a snapshot, in a fixed order so snapshots compare and serialise the same way. */
export const CONTENT_FIELDS = [
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

export interface InitiativeOwner {
  ref: string;
}

/** What a partner sends for one initiative: its own id for it and the content (400 when malformed). */
export interface PartnerInitiativeInput {
  localId: string;
  content: InitiativeContent;
}

/** Checks the shape of one partner initiative (the snapshot's content fields plus the required `localId`). */
export function parsePartnerInitiative(body: unknown): PartnerInitiativeInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedRequest(contentShapeProblems(body));
  }
  const { localId, ...plain } = body as Record<string, unknown>;
  const problems = [...localIdProblems(localId), ...contentShapeProblems(plain), ...nulProblems(plain)];
  if (problems.length) throw new MalformedRequest(problems);
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (plain[f] !== undefined) content[f] = plain[f];
  const c = content as unknown as InitiativeContent;
  c.actionStreams = { primary: c.actionStreams.primary, secondary: c.actionStreams.secondary ?? [] };
  return { localId: localId as string, content: c };
}

export function localIdProblems(value: unknown): { field: string; rule: string; message: string }[] {
  if (value === undefined || value === null || value === '') {
    return [{ field: 'localId', rule: 'isDefined', message: "localId is required: the partner's own id for it" }];
  }
  if (typeof value !== 'string' || !LOCAL_ID_PATTERN.test(value)) {
    return [{ field: 'localId', rule: 'matches', message: 'localId must match [A-Za-z0-9._-]{1,40}' }];
  }
  return [];
}

/** PostgreSQL cannot store U+0000 in text or jsonb: say which field has one instead of failing to store it. */
export function nulProblems(value: unknown, path = ''): { field: string; rule: string; message: string }[] {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? [
          {
            field: path || 'body',
            rule: 'noNulCharacter',
            message: `${path || 'body'} contains a NUL character (U+0000)`,
          },
        ]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nulProblems(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => nulProblems(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Version 1 of a new initiative, checked against every rule (422 when a rule is broken). */
export function firstVersion(
  owner: InitiativeOwner,
  localId: string,
  content: InitiativeContent,
  now: Date,
): InitiativeSnapshot {
  return checked({
    initiativeId: makeInitiativeId(owner.ref, localId),
    reportingOrg: { ref: owner.ref, type: 'PARTNER', secondaryReporter: true },
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

/** Withdrawal ("reported in error") is one more version, carrying the reason; nothing can follow it. */
export function withdrawnVersion(current: InitiativeSnapshot, reason: string, now: Date): InitiativeSnapshot {
  return {
    ...current,
    version: current.version + 1,
    lastUpdatedAt: now.toISOString(),
    withdrawal: { reason, withdrawnAt: now.toISOString() },
  };
}

export function parseWithdrawalReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 1000) {
    throw new MalformedRequest([
      {
        field: 'reason',
        rule: 'isNotEmpty',
        message: 'reason must say, in 1 to 1000 characters, why the record was reported in error',
      },
    ]);
  }
  return reason.trim();
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
    throw new RuleViolation(violations.map(({ field, rule, message }) => ({ field, rule, message })));
  }
  return snapshot;
}
