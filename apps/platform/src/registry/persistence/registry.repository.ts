import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot, orderedSnapshot } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { RegistryState } from '../domain/consumer-rules';

export interface RegistryWrite {
  initiativeId: string;
  source: string;
  version: number;
  withdrawn: boolean;
  snapshot: InitiativeSnapshot;
  reportedAt: string;
  eventId: string;
  eventType: string;
}

export interface RegistryRecord {
  initiativeId: string;
  source: string;
  version: number;
  withdrawn: boolean;
  snapshot: InitiativeSnapshot;
  firstReportedAt: string;
  lastReportedAt: string;
  versions: { version: number; eventId: string; eventType: string; reportedAt: string; appliedAt: string }[];
}

/** The platform's registry. Every method that writes takes a whole batch and issues a fixed number of statements. */
@Injectable()
export class RegistryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Current state of these initiatives, locked until the batch commits. */
  async lockStates(tx: Transaction, ids: string[]): Promise<Map<string, RegistryState>> {
    const rows: { initiative_id: string; version: number; withdrawn: boolean }[] = await tx.manager.query(
      `SELECT initiative_id, version, withdrawn FROM registry_initiatives WHERE initiative_id = ANY($1::text[]) FOR UPDATE`,
      [ids],
    );
    return new Map(rows.map((r) => [r.initiative_id, { version: r.version, withdrawn: r.withdrawn }]));
  }

  /**
   * Writes the newest applied version of each initiative (one row each) and every applied version to the history.
   * The `WHERE version <` guard keeps a newer stored version even if a caller got the order wrong.
   */
  async apply(tx: Transaction, latest: RegistryWrite[], history: RegistryWrite[]): Promise<void> {
    if (latest.length > 0) {
      await tx.manager.query(
        `INSERT INTO registry_initiatives AS r
           (initiative_id, source, version, withdrawn, snapshot, first_reported_at, last_reported_at, last_event_id)
         SELECT i, s, v, w, j, t, t, e
           FROM unnest($1::text[], $2::text[], $3::int[], $4::bool[], $5::jsonb[], $6::timestamptz[], $7::text[])
             AS x(i, s, v, w, j, t, e)
         ON CONFLICT (initiative_id) DO UPDATE SET
           source = excluded.source, version = excluded.version, withdrawn = excluded.withdrawn,
           snapshot = excluded.snapshot, last_reported_at = excluded.last_reported_at,
           last_event_id = excluded.last_event_id, applied_at = now()
         WHERE r.version < excluded.version`,
        [
          latest.map((w) => w.initiativeId),
          latest.map((w) => w.source),
          latest.map((w) => w.version),
          latest.map((w) => w.withdrawn),
          latest.map((w) => JSON.stringify(w.snapshot)),
          latest.map((w) => w.reportedAt),
          latest.map((w) => w.eventId),
        ],
      );
    }
    if (history.length > 0) {
      await tx.manager.query(
        `INSERT INTO registry_versions (initiative_id, version, source, event_id, event_type, reported_at)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
        [
          history.map((w) => w.initiativeId),
          history.map((w) => w.version),
          history.map((w) => w.source),
          history.map((w) => w.eventId),
          history.map((w) => w.eventType),
          history.map((w) => w.reportedAt),
        ],
      );
    }
  }

  async findById(initiativeId: string): Promise<RegistryRecord | undefined> {
    const rows: {
      initiative_id: string;
      source: string;
      version: number;
      withdrawn: boolean;
      snapshot: InitiativeSnapshot;
      first_reported_at: Date;
      last_reported_at: Date;
    }[] = await this.dataSource.query(
      `SELECT initiative_id, source, version, withdrawn, snapshot, first_reported_at, last_reported_at
         FROM registry_initiatives WHERE initiative_id = $1`,
      [initiativeId],
    );
    const r = rows[0];
    if (!r) return undefined;
    const versions: { version: number; event_id: string; event_type: string; reported_at: Date; applied_at: Date }[] =
      await this.dataSource.query(
        `SELECT version, event_id, event_type, reported_at, applied_at FROM registry_versions
          WHERE initiative_id = $1 ORDER BY version`,
        [initiativeId],
      );
    return {
      initiativeId: r.initiative_id,
      source: r.source,
      version: r.version,
      withdrawn: r.withdrawn,
      snapshot: orderedSnapshot(r.snapshot),
      firstReportedAt: r.first_reported_at.toISOString(),
      lastReportedAt: r.last_reported_at.toISOString(),
      versions: versions.map((v) => ({
        version: v.version,
        eventId: v.event_id,
        eventType: v.event_type,
        reportedAt: v.reported_at.toISOString(),
        appliedAt: v.applied_at.toISOString(),
      })),
    };
  }
}
