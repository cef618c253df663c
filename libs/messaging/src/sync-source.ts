import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  BucketDigest,
  INITIATIVE_SCHEMA,
  InitiativeSnapshot,
  RecordVersion,
  resentEventType,
  SourceDigest,
  subjectForSource,
  SYNC_DIGEST_TYPE,
  SyncSubjects,
  syncKeyOf,
  syncKeyOfRequest,
  digestSubjectOf,
} from '@ctp/contracts';
import type { CtpLogger } from '@ctp/observability';
import type { UnitOfWork } from '@ctp/persistence';
import type { EntityManager } from 'typeorm';
import { newEvent, OutboxWriter } from './outbox';
import { SyncSql } from './sync-sql';

const MAX_RESEND = 500;

/** One source whose records the table holds; `owner` is its value in the table's `ownerColumn`, if it has one. */
export interface SyncScope {
  source: string;
  owner?: string;
}

export interface SyncSourceOptions {
  /** The owner's records: a table with the columns initiative_id, version, withdrawn and snapshot. */
  table: string;
  /** The column that tells whose a row is, where the table holds several sources' records (a scope's `owner`). */
  ownerColumn?: string;
  /** The sources this service speaks for, read afresh each time (partners are registered at runtime). */
  scopes(m: EntityManager): Promise<SyncScope[]>;
  /** The key of the request subjects answered: `hub.afr`, or `partner.*` for every partner at once. */
  requestKeys: string;
  settings: {
    /** The service's name, its NATS queue group: one replica answers each request. */
    service: string;
    /** How often to look whether a digest is due (RECONCILE_INTERVAL_MS). */
    reconcileIntervalMs: number;
    /** A source's digest is published at least this often, even when nothing changed (RECONCILE_HEARTBEAT_MS). */
    reconcileHeartbeatMs: number;
  };
  nc: NatsConnection;
  unitOfWork: UnitOfWork;
  log: CtpLogger;
  /** The service's outbox: digests and re-published records follow the service's own events in the stream. */
  outbox: OutboxWriter;
}

/**
 * A source's side of reconciliation with the platform (a hub, or partner-liaison for each of its partners): it
 * publishes a digest of each source's records through the service's outbox, so that the digest follows the events it
 * summarises, when they changed and at least every heartbeat; and it answers the platform's questions (digest per
 * bucket, the records of a bucket) and re-publishes the records the platform asks for. A service's provider extends it
 * with its own table and sources; Nest starts and stops it with the application.
 */
export class SyncSource implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private subscriptions: Subscription[] = [];
  private running?: Promise<unknown>;
  /**
   * Per source, the hash last published and when, on the monotonic clock: a wall clock set back would otherwise hold
   * the heartbeat back for as long as the step (found with test/faults/clock-jumps.fault.ts).
   */
  private readonly published = new Map<string, { hash: string; at: number }>();

  constructor(private readonly o: SyncSourceOptions) {}

  onApplicationBootstrap(): void {
    const handlers: ['buckets' | 'list' | 'resend', (scope: SyncScope, m: Msg) => Promise<unknown>][] = [
      ['buckets', (scope) => this.buckets(scope)],
      ['list', (scope, m) => this.list(scope, m.json<{ bucket: number }>().bucket)],
      ['resend', (scope, m) => this.resend(scope, m.json<{ ids: string[] }>().ids)],
    ];
    for (const [op, handle] of handlers) {
      this.subscriptions.push(
        this.o.nc.subscribe(SyncSubjects[op](this.o.requestKeys), {
          queue: this.o.settings.service,
          callback: (err, msg) => {
            // Answers go to an inbox only (a reply subject naming anything else would make this service publish there).
            if (err || !msg.reply?.startsWith('_INBOX.')) return;
            this.scopeOf(msg.subject)
              .then((scope) => handle(scope, msg))
              .then(
                (result) => msg.respond(JSON.stringify({ ok: true, result })),
                (e: Error) => msg.respond(JSON.stringify({ ok: false, error: e.message })),
              );
          },
        }),
      );
    }
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.publishDigests()
        .catch((e: Error) => this.o.log.warn({ msg: 'digest not published, will retry', err: e.message }))
        .finally(() => (this.running = undefined));
    }, this.o.settings.reconcileIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    for (const s of this.subscriptions) await s.drain().catch(() => undefined);
  }

  /** Publishes the digest of each source whose records changed since its last one, or whose last one is too old. */
  async publishDigests(force = false): Promise<SourceDigest[]> {
    const { table, ownerColumn } = this.o;
    return this.o.unitOfWork.run(async (tx) => {
      // Waits for the changes being committed and holds new ones back until this digest is committed: it then counts
      // exactly the changes whose outbox rows precede its own, so it follows in the stream the events it summarises and
      // none that it does not. Without it, a change committing meanwhile (its event before the digest, its record not
      // counted) made the platform see a mismatch that was none, under any steady load. Held for the one query.
      await tx.manager.query(`LOCK TABLE ${table} IN SHARE MODE`);
      const scopes = await this.o.scopes(tx.manager);
      // One row per scope, a scope without records too (count 0, the hash of nothing): its digest says "none".
      const rows: { source: string; count: number; hash: string }[] = await tx.manager.query(
        `SELECT s.source, count(r.initiative_id)::int AS count,
                ${SyncSql.digestOf('r.initiative_id', 'r.version', 'r.withdrawn')} AS hash
           FROM unnest($1::text[], $2::text[]) AS s (source, owner)
           LEFT JOIN ${table} r ON ${ownerColumn ? `r.${ownerColumn} = s.owner` : 'true'}
          GROUP BY s.source ORDER BY s.source`,
        [scopes.map((s) => s.source), scopes.map((s) => s.owner ?? null)],
      );
      const now = performance.now();
      const due = rows.filter((row) => {
        const last = this.published.get(row.source);
        return force || !last || last.hash !== row.hash || now - last.at >= this.o.settings.reconcileHeartbeatMs;
      });
      const digests = due.map((row): SourceDigest => ({
        source: row.source,
        count: row.count,
        hash: row.hash,
        generatedAt: new Date().toISOString(),
      }));
      await this.o.outbox.append(
        tx,
        digests.map((digest) =>
          newEvent({
            source: digest.source,
            type: SYNC_DIGEST_TYPE,
            subject: digestSubjectOf(digest.source) as string,
            about: 'digest',
            data: digest,
          }),
        ),
      );
      tx.afterCommit(() => {
        for (const d of digests) {
          this.published.set(d.source, { hash: d.hash, at: performance.now() });
          this.o.log.debug({ msg: 'digest published', source: d.source, count: d.count, hash: d.hash });
        }
      });
      return digests;
    });
  }

  /** The source a request is about, from its subject. */
  private async scopeOf(subject: string): Promise<SyncScope> {
    const key = syncKeyOfRequest(subject);
    const scopes = await this.o.unitOfWork.run((tx) => this.o.scopes(tx.manager));
    const scope = scopes.find((s) => key !== undefined && syncKeyOf(s.source) === key);
    if (!scope) throw new Error(`no records of ${key ?? subject} here`);
    return scope;
  }

  /** The SQL condition selecting the scope's rows, its parameter numbered `$<first>`. */
  private whereOf(scope: SyncScope, first: number): { where: string; params: unknown[] } {
    return this.o.ownerColumn
      ? { where: `${this.o.ownerColumn} = $${first}`, params: [scope.owner] }
      : { where: 'true', params: [] };
  }

  private async buckets(scope: SyncScope): Promise<BucketDigest[]> {
    const { where, params } = this.whereOf(scope, 1);
    return this.o.unitOfWork.run((tx) => tx.manager.query(SyncSql.buckets(this.o.table, where), params));
  }

  private async list(scope: SyncScope, bucket: number): Promise<RecordVersion[]> {
    if (!Number.isInteger(bucket)) throw new Error('bucket must be an integer');
    const { where, params } = this.whereOf(scope, 1);
    const rows: { initiative_id: string; version: number; withdrawn: boolean }[] = await this.o.unitOfWork.run((tx) =>
      tx.manager.query(SyncSql.list(this.o.table, where, `$${params.length + 1}`), [...params, bucket]),
    );
    return rows.map((r) => ({ initiativeId: r.initiative_id, version: r.version, withdrawn: r.withdrawn }));
  }

  /** Re-publishes the current snapshot of each id (new event ids, same versions): consumers apply what they miss. */
  private async resend(scope: SyncScope, ids: string[]): Promise<{ resent: number }> {
    if (!Array.isArray(ids) || ids.length > MAX_RESEND || !ids.every((id) => typeof id === 'string'))
      throw new Error(`ids must be an array of at most ${MAX_RESEND} strings`);
    const { where, params } = this.whereOf(scope, 2);
    const resent = await this.o.unitOfWork.run(async (tx) => {
      const rows: { snapshot: InitiativeSnapshot; withdrawn: boolean }[] = await tx.manager.query(
        `SELECT snapshot, withdrawn FROM ${this.o.table} WHERE initiative_id = ANY($1::text[]) AND ${where}`,
        [ids, ...params],
      );
      await this.o.outbox.append(
        tx,
        rows.map(({ snapshot, withdrawn }) => {
          const type = resentEventType(snapshot.version, withdrawn);
          return newEvent({
            source: scope.source,
            type,
            subject: subjectForSource(scope.source, type) as string,
            about: snapshot.initiativeId,
            dataschema: INITIATIVE_SCHEMA,
            time: snapshot.lastUpdatedAt,
            data: snapshot,
          });
        }),
      );
      return rows.length;
    });
    this.o.log.info({
      msg: 'records re-published for reconciliation',
      source: scope.source,
      requested: ids.length,
      resent,
    });
    return { resent };
  }
}
