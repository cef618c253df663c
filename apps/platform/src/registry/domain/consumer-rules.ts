import {
  CloudEvent,
  InitiativeEventType,
  INITIATIVE_EVENT_TYPES,
  InitiativeSnapshot,
  subjectForSource,
} from '@ctp/contracts';

/** What the registry holds of one initiative, as far as the rules need it. */
export interface RegistryState {
  version: number;
  withdrawn: boolean;
}

export type RuleVerdict =
  | { outcome: 'APPLY' }
  | { outcome: 'IGNORED'; reason: 'STALE_VERSION' }
  | { outcome: 'REJECTED'; reason: 'OWNERSHIP_VIOLATION' | 'WITHDRAWN' | 'SCHEMA'; detail: string };

/** The initiative-id prefix a source may report under: `/ctp/hubs/eur` → `IP-HUB-EUR-`. */
export function ownedPrefix(source: string): string | undefined {
  const hub = /^\/ctp\/hubs\/(afr|mde|asi|eur)$/.exec(source);
  if (hub) return `IP-HUB-${hub[1].toUpperCase()}-`;
  const partner = /^\/ctp\/partner-liaison\/([a-z0-9-]+)$/.exec(source);
  if (partner) return `PT-${partner[1].toUpperCase()}-`;
  return undefined;
}

/**
 * DOMAIN.md's consumer rules, in their order (the duplicate-delivery rule is the inbox's, before this):
 * ownership, stale version, withdrawn, then the snapshot's own shape. Pure: the caller supplies the stored state.
 */
export function judgeInitiativeEvent(
  event: CloudEvent<InitiativeSnapshot>,
  arrivedOn: string,
  stored: RegistryState | undefined,
): RuleVerdict {
  const type = event.type as InitiativeEventType;
  const snapshot = event.data;
  const id = snapshot?.initiativeId;
  const prefix = ownedPrefix(event.source);
  if (!prefix || typeof id !== 'string' || !id.startsWith(prefix) || event.subject !== id) {
    return {
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
      detail: `source ${event.source} does not own initiative ${String(id)}`,
    };
  }
  if (!INITIATIVE_EVENT_TYPES.includes(type) || subjectForSource(event.source, type) !== arrivedOn) {
    return {
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
      detail: `event from ${event.source} arrived on ${arrivedOn}, not on its own subject`,
    };
  }
  if (!Number.isInteger(snapshot.version) || snapshot.version < 1) {
    return { outcome: 'REJECTED', reason: 'SCHEMA', detail: 'version must be an integer >= 1' };
  }
  if (stored && snapshot.version <= stored.version) return { outcome: 'IGNORED', reason: 'STALE_VERSION' };
  if (stored?.withdrawn) {
    return { outcome: 'REJECTED', reason: 'WITHDRAWN', detail: `${id} was withdrawn and cannot change` };
  }
  if (typeof snapshot.lastUpdatedAt !== 'string' || Number.isNaN(Date.parse(snapshot.lastUpdatedAt))) {
    return { outcome: 'REJECTED', reason: 'SCHEMA', detail: 'lastUpdatedAt must be an ISO timestamp' };
  }
  return { outcome: 'APPLY' };
}
