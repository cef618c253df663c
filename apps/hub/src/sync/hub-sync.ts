import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  BucketDigest,
  InitiativeEventType,
  INITIATIVE_SCHEMA,
  InitiativeSnapshot,
  RecordVersion,
  SourceDigest,
  Subjects,
  SYNC_DIGEST_TYPE,
  SyncSql,
  SyncSubjects,
} from '@ctp/contracts';
import { NATS_CONNECTION, newEvent, OutboxWriter } from '@ctp/messaging';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { HUB_CONFIG, HubConfig } from '../config/hub.config';

const MAX_RESEND = 500;

/**
 * The hub's side of reconciliation with the platform: it publishes a digest of its records through its outbox (so the
 * digest follows the events it summarises), when they changed and at least every `heartbeatMs`; and it answers the
 * platform's questions (digest per bucket, the records of a bucket) and re-publishes the records the platform asks for.
 */
@Injectable()
export class HubSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private subscriptions: Subscription[] = [];
  private lastHash?: string;
  private lastPublishedAt = 0;
  private running?: Promise<unknown>;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly unitOfWork: UnitOfWork,
    private readonly outbox: OutboxWriter,
  ) {}

  private get key(): string {
    return `hub.${this.config.region}`;
  }

  onApplicationBootstrap(): void {
    const handlers: [string, (m: Msg) => Promise<unknown>][] = [
      [SyncSubjects.buckets(this.key), () => this.buckets()],
      [SyncSubjects.list(this.key), (m) => this.list(m.json<{ bucket: number }>().bucket)],
      [SyncSubjects.resend(this.key), (m) => this.resend(m.json<{ ids: string[] }>().ids)],
    ];
    for (const [subject, handle] of handlers) {
      this.subscriptions.push(
        this.nc.subscribe(subject, {
          queue: this.config.service,
          callback: (err, msg) => {
            if (err) return;
            handle(msg).then(
              (result) => msg.respond(JSON.stringify({ ok: true, result })),
              (e: Error) => msg.respond(JSON.stringify({ ok: false, error: e.message })),
            );
          },
        }),
      );
    }
    this.timer = setInterval(() => {
      this.running = this.publishDigest().catch((e: Error) =>
        this.log.warn({ msg: 'digest not published, will retry', err: e.message }),
      );
    }, this.config.reconcileIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    for (const s of this.subscriptions) await s.drain().catch(() => undefined);
  }

  /** Publishes the digest if it changed since the last one, or if the last one is older than the heartbeat. */
  async publishDigest(force = false): Promise<SourceDigest | undefined> {
    return this.unitOfWork.run(async (tx) => {
      // Waits for the changes being committed and holds new ones back until this digest is committed: it then counts
      // exactly the changes whose outbox rows precede its own, so it follows in the stream the events it summarises and
      // none that it does not. Without it, a change committing meanwhile (its event before the digest, its record not
      // counted) made the platform see a mismatch that was none, under any steady load. Held for the one query.
      await tx.manager.query(`LOCK TABLE initiatives IN SHARE MODE`);
      const [row]: { count: number; hash: string }[] = await tx.manager.query(
        `SELECT count(*)::int AS count, ${SyncSql.digestOf('initiative_id', 'version', 'withdrawn')} AS hash FROM initiatives`,
      );
      const due = Date.now() - this.lastPublishedAt >= this.config.reconcileHeartbeatMs;
      if (!force && row.hash === this.lastHash && !due) return undefined;
      const digest: SourceDigest = {
        source: this.config.source,
        count: row.count,
        hash: row.hash,
        generatedAt: new Date().toISOString(),
      };
      await this.outbox.append(tx, [
        newEvent({
          source: this.config.source,
          type: SYNC_DIGEST_TYPE,
          subject: SyncSubjects.hubDigest(this.config.region),
          about: 'digest',
          data: digest,
        }),
      ]);
      tx.afterCommit(() => {
        this.lastHash = row.hash;
        this.lastPublishedAt = Date.now();
        this.log.debug({ msg: 'digest published', count: row.count, hash: row.hash });
      });
      return digest;
    });
  }

  private async buckets(): Promise<BucketDigest[]> {
    return this.unitOfWork.run(async (tx) =>
      tx.manager.query(
        `SELECT ${SyncSql.bucketOf('initiative_id')} AS bucket, count(*)::int AS count,
                ${SyncSql.digestOf('initiative_id', 'version', 'withdrawn')} AS hash
           FROM initiatives GROUP BY 1 ORDER BY 1`,
      ),
    );
  }

  private async list(bucket: number): Promise<RecordVersion[]> {
    if (!Number.isInteger(bucket)) throw new Error('bucket must be an integer');
    const rows: { initiative_id: string; version: number; withdrawn: boolean }[] = await this.unitOfWork.run((tx) =>
      tx.manager.query(
        `SELECT initiative_id, version, withdrawn FROM initiatives WHERE ${SyncSql.bucketOf('initiative_id')} = $1`,
        [bucket],
      ),
    );
    return rows.map((r) => ({ initiativeId: r.initiative_id, version: r.version, withdrawn: r.withdrawn }));
  }

  /** Re-publishes the current snapshot of each id (new event ids, same versions): consumers apply what they miss. */
  private async resend(ids: string[]): Promise<{ resent: number }> {
    if (!Array.isArray(ids) || ids.length > MAX_RESEND)
      throw new Error(`ids must be an array of at most ${MAX_RESEND}`);
    const resent = await this.unitOfWork.run(async (tx) => {
      const rows: { snapshot: InitiativeSnapshot; withdrawn: boolean }[] = await tx.manager.query(
        `SELECT snapshot, withdrawn FROM initiatives WHERE initiative_id = ANY($1::text[])`,
        [ids],
      );
      await this.outbox.append(
        tx,
        rows.map(({ snapshot, withdrawn }) => {
          const type = withdrawn
            ? InitiativeEventType.Withdrawn
            : snapshot.version === 1
              ? InitiativeEventType.Reported
              : InitiativeEventType.Updated;
          return newEvent({
            source: this.config.source,
            type,
            subject: Subjects.hubInitiative(this.config.region, type),
            about: snapshot.initiativeId,
            dataschema: INITIATIVE_SCHEMA,
            time: snapshot.lastUpdatedAt,
            data: snapshot,
          });
        }),
      );
      return rows.length;
    });
    this.log.info({ msg: 'records re-published for reconciliation', requested: ids.length, resent });
    return { resent };
  }
}
