import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '@ctp/observability';
import { PLATFORM_CONFIG, PlatformConfig } from '../../config/platform.config';
import { samplesOf } from '../domain/prometheus-text';
import { BrokerStateReadModel, ConsumerReading, DeadLetterReading } from '../persistence/broker-state.read-model';
import { ServiceHealthReadModel, ServiceReading } from '../persistence/service-health.read-model';
import { DeadLetterNote } from '@ctp/messaging';
import { RecentDeadLetters } from './recent-dead-letters';
import {
  DETECTION_BACKLOG,
  DetectionBacklogPort,
  SYNC_REPORT,
  SyncReportPort,
  SyncSourceReport,
} from './operations-ports';

/** Everything GET /console/operations shows, as read (statuses are given by the view, from domain thresholds). */
export interface OperationsFacts {
  generatedAt: Date;
  sources: SyncSourceReport[];
  consumers: ConsumerReading[];
  detection: { queued: number; oldestQueuedAt: string | null } | { error: string };
  deadLetters: DeadLetterReading;
  /** The last dead letters this platform wrote (since it started), newest first, with their reasons. */
  deadLetterLatest: DeadLetterNote[];
  /** Dead letters this platform wrote since it started, per consumer and reason (its ctp_dead_letters_total). */
  deadLetterReasons: { consumer: string; reason: string; count: number }[];
  services: ServiceReading[];
  /** Parts that could not be read at all (e.g. the database for the sources). */
  problems: string[];
}

/**
 * Reads what an operator watches, all at once (each part in parallel, none waiting on another): reconciliation per
 * source, the platform's consumers, detection's backlog, dead letters, and the deployment's services — these with the
 * caller's own bearer token (`authorization`), which GET /metrics of each service checks for itself.
 */
@Injectable()
export class OperationsReport {
  constructor(
    @Inject(SYNC_REPORT) private readonly sync: SyncReportPort,
    @Inject(DETECTION_BACKLOG) private readonly detection: DetectionBacklogPort,
    private readonly broker: BrokerStateReadModel,
    private readonly services: ServiceHealthReadModel,
    private readonly metrics: Metrics,
    private readonly recentDeadLetters: RecentDeadLetters,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  async read(authorization: string | undefined): Promise<OperationsFacts> {
    const [sync, consumers, detection, deadLetters, latest, reasons, services] = await Promise.allSettled([
      this.sync.report(),
      this.broker.consumers(),
      this.detection.detection(),
      this.broker.deadLetters(),
      this.recentDeadLetters.latest(),
      this.deadLetterReasons(),
      this.services.read(this.config.console.services, authorization),
    ]);
    const problems: string[] = [];
    const value = <T>(r: PromiseSettledResult<T>, what: string, fallback: T): T => {
      if (r.status === 'fulfilled') return r.value;
      problems.push(`${what}: ${(r.reason as Error)?.message ?? String(r.reason)}`);
      return fallback;
    };
    return {
      generatedAt: new Date(),
      sources: value(sync, 'sources', { sources: [] }).sources,
      consumers: value(consumers, 'consumers', []),
      detection:
        detection.status === 'fulfilled'
          ? detection.value
          : { error: (detection.reason as Error)?.message ?? String(detection.reason) },
      deadLetters: value(deadLetters, 'dead letters', { bySubject: [], error: 'not read' }),
      deadLetterLatest: value(latest, 'latest dead letters', []),
      deadLetterReasons: value(reasons, 'dead-letter reasons', []),
      services: value(services, 'services', []),
      problems,
    };
  }

  /** ctp_dead_letters_total of this process (its consumer thread's included), summed per consumer and reason. */
  private async deadLetterReasons(): Promise<{ consumer: string; reason: string; count: number }[]> {
    const byKey = new Map<string, { consumer: string; reason: string; count: number }>();
    for (const s of samplesOf(await this.metrics.exposition(), 'ctp_dead_letters_total')) {
      const consumer = s.labels.consumer ?? '';
      const reason = s.labels.reason ?? '';
      const key = `${consumer}\u0000${reason}`;
      const entry = byKey.get(key) ?? { consumer, reason, count: 0 };
      entry.count += s.value;
      byKey.set(key, entry);
    }
    return [...byKey.values()].filter((e) => e.count > 0).sort((a, b) => b.count - a.count);
  }
}
