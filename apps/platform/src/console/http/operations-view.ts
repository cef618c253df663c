import type { OperationsFacts } from '../application/operations-report';
import type { SyncSourceReport } from '../application/operations-ports';
import {
  consumerStatus,
  deadLetterStatus,
  detectionStatus,
  serviceStatus,
  SourceFacts,
  sourceState,
  sourceStatus,
  Status,
  THRESHOLDS,
  worst,
} from '../domain/operations-status';

import type { OperationsView } from '@ctp/contracts';

export type { OperationsView };

const ageSeconds = (iso: string | Date | null | undefined, now: Date): number | undefined =>
  iso ? Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000)) : undefined;

function sourceFacts(s: SyncSourceReport, now: Date): SourceFacts {
  const r = s.reconciliation;
  const repair = r?.lastRepair as { at?: unknown; error?: unknown } | null | undefined;
  const repairAt = typeof repair?.at === 'string' ? Date.parse(repair.at) : NaN;
  const afterMismatch = r?.lastMismatchAt && repairAt >= r.lastMismatchAt.getTime();
  return {
    matched: r?.matched,
    checkedAgeSeconds: ageSeconds(r?.checkedAt, now),
    ...(afterMismatch
      ? { repairAfterMismatch: { failed: repair?.error !== undefined && repair?.error !== null } }
      : {}),
    refused: s.refused.count,
  };
}

export function toOperationsView(f: OperationsFacts): OperationsView {
  const now = f.generatedAt;
  const sources = f.sources.map((s) => {
    const facts = sourceFacts(s, now);
    return {
      source: s.source,
      state: sourceState(facts),
      records: s.records?.records ?? 0,
      lastEventAt: s.records?.lastEventAt?.toISOString() ?? null,
      lastReportedAt: s.records?.lastReportedAt?.toISOString() ?? null,
      highestVersion: s.records?.highestVersion ?? null,
      refused: s.refused.count,
      lastCheckedAt: s.reconciliation?.checkedAt.toISOString() ?? null,
      lastMismatchAt: s.reconciliation?.lastMismatchAt?.toISOString() ?? null,
      repairedTotal: s.reconciliation?.repairedTotal ?? 0,
      status: sourceStatus(facts),
    };
  });
  const consumers = f.consumers.map((c) => ({ ...c, status: consumerStatus(c) }));
  const detection =
    'error' in f.detection
      ? { backlog: 0, status: 'red' as Status, error: f.detection.error }
      : (() => {
          const d = f.detection;
          const age = ageSeconds(d.oldestQueuedAt, now);
          const view = { backlog: d.queued, ...(age !== undefined ? { oldestQueuedAgeSeconds: age } : {}) };
          return { ...view, status: detectionStatus(view) };
        })();
  const dl = f.deadLetters;
  const deadLetters = {
    count: dl.count ?? 0,
    ...(dl.lastWrittenAt ? { lastWrittenAt: dl.lastWrittenAt } : {}),
    bySubject: dl.bySubject.slice(0, 20),
    latest: f.deadLetterLatest.map((n) => ({
      reason: n.reason,
      ...(n.detail !== undefined ? { detail: n.detail } : {}),
      subject: n.subject,
      consumer: n.consumer,
      at: n.at,
    })),
    reasonsSinceStart: f.deadLetterReasons,
    inspect: 'npm run dlq -- list (as the NATS admin: services may not read dead letters)',
    status: deadLetterStatus({ ...dl, lastWrittenAgeSeconds: ageSeconds(dl.lastWrittenAt, now) }),
    ...(dl.error !== undefined ? { error: dl.error } : {}),
  };
  const services = f.services.map((s) => {
    const error = [s.error, s.metricsError && `metrics: ${s.metricsError}`].filter(Boolean).join('; ');
    return {
      name: s.name,
      url: s.url,
      ready: s.ready,
      ...(s.outboxBacklog !== undefined ? { outboxBacklog: s.outboxBacklog } : {}),
      ...(s.oldestUnsentAgeSeconds !== undefined ? { oldestUnsentAgeSeconds: s.oldestUnsentAgeSeconds } : {}),
      status: serviceStatus(s),
      ...(error ? { error } : {}),
    };
  });
  const overall = worst([
    ...sources.map((s) => s.status),
    ...consumers.map((c) => c.status),
    detection.status,
    deadLetters.status,
    ...services.map((s) => s.status),
    ...(f.problems.length ? (['red'] as const) : []),
  ]);
  return {
    generatedAt: now.toISOString(),
    overall,
    sources,
    consumers,
    detection,
    deadLetters,
    services,
    ...(f.problems.length ? { problems: f.problems } : {}),
    thresholds: THRESHOLDS,
  };
}
