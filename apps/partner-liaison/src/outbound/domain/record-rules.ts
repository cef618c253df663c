import {
  CloudEvent,
  InitiativeSnapshot,
  InitiativeStatus,
  judgeInitiativeEvent,
  parseSource,
  RejectReason,
} from '@ctp/contracts';

/** The four hub regions, as partners' `regions` name them. */
export type HubRegionCode = 'AFR' | 'MDE' | 'ASI' | 'EUR';

/** What partner-liaison already holds of an INTERPOL record, as far as the rules need it. */
export interface KnownRecordState {
  version: number;
  withdrawn: boolean;
  status?: InitiativeStatus | null;
}

export type RecordRejectReason = RejectReason;

export type RecordVerdict =
  | { outcome: 'APPLY'; hub: { ref: string; region: HubRegionCode } }
  | { outcome: 'IGNORED'; reason: 'STALE_VERSION' }
  | { outcome: 'REJECTED'; reason: RecordRejectReason; detail: string };

/** `/ctp/hubs/eur` → `{ ref: 'IP-HUB-EUR', region: 'EUR' }`; anything else is not a hub. */
export function hubOfSource(source: unknown): { ref: string; region: HubRegionCode } | undefined {
  const parsed = parseSource(source);
  if (parsed?.kind !== 'hub') return undefined;
  const region = parsed.region.toUpperCase() as HubRegionCode;
  return { ref: `IP-HUB-${region}`, region };
}

/**
 * docs/domain.md's consumer rules for partner-liaison's copy of the hubs' records: the contracts' rules (the same as the
 * platform's), on events from hubs only. Pure, total: any event that decoded as an envelope gets a verdict.
 */
export function judgeHubEvent(
  event: CloudEvent<unknown>,
  arrivedOn: string,
  stored: KnownRecordState | undefined,
  now: number = Date.now(),
): RecordVerdict {
  const hub = hubOfSource(event.source);
  if (!hub) {
    return {
      outcome: 'REJECTED',
      reason: 'OWNERSHIP_VIOLATION',
      detail: `${String(event.source)} is not a hub: only hubs report on ctp.hub.>`,
    };
  }
  const verdict = judgeInitiativeEvent(
    event as CloudEvent<InitiativeSnapshot>,
    arrivedOn,
    stored ? { version: stored.version, withdrawn: stored.withdrawn, status: stored.status ?? undefined } : undefined,
    now,
  );
  return verdict.outcome === 'APPLY' ? { outcome: 'APPLY', hub } : verdict;
}
