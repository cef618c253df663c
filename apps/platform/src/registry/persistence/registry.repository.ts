import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot, InitiativeStatus, orderedSnapshot } from '@ctp/contracts';
import { lockKeys, type Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { RegistryState } from '@ctp/contracts';
import { registryColumnsOf } from '../domain/registry-record';
import { Viewer } from '../domain/visibility';
import { shareableClusterId, shareableClusterJoin } from '../../read-models/visible-clusters';
import { RegistryRecord, RegistrySummary } from '../domain/registry-record';

export type { RegistryRecord, RegistrySummary };

export interface RegistryWrite {
  initiativeId: string;
  source: string;
  version: number;
  withdrawn: boolean;
  snapshot: InitiativeSnapshot;
  reportedAt: string;
  eventId: string;
  eventType: string;
  /** What the matcher reads of this version, digested (`fingerprintOfCandidate`): detection re-runs when it changes. */
  matchFingerprint: string;
}

/** The rules' view of a stored record, and the fingerprint of what detection last saw of it. */
export interface StoredState extends RegistryState {
  matchFingerprint: string | null;
  /** ISO, as the platform first received the record. */
  firstReportedAt: string;
}

export interface RegistryListFilter {
  region?: string;
  primaryStream?: string;
  status?: string;
  kind?: string;
  country?: string;
  reporter?: string;
  cluster?: string;
  includeWithdrawn?: boolean;
  /** Normalised words (search-text.ts) every one of which the record's search text contains. */
  terms?: string[];
  after?: string;
  limit: number;
}

/** The key space of the registry's per-initiative transaction locks (`lockKeys`). */
const REGISTRY_LOCK_SPACE = 'ctp-registry-initiatives';

/** The platform's registry. Every method that writes takes a whole batch and issues a fixed number of statements. */
@Injectable()
export class RegistryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Current state of these initiatives, locked until the batch commits: the ids themselves first, so that a record
   * not stored yet is locked too (two platform replicas share the consumer: the first two versions of a new record
   * may be in two batches at once, and the one committing second must see the other's version, not "absent").
   */
  async lockStates(tx: Transaction, ids: string[]): Promise<Map<string, StoredState>> {
    await lockKeys(tx.manager, REGISTRY_LOCK_SPACE, ids);
    const rows: {
      initiative_id: string;
      version: number;
      withdrawn: boolean;
      status: InitiativeStatus;
      match_fingerprint: string | null;
      first_reported_at: Date;
    }[] = await tx.manager.query(
      `SELECT initiative_id, version, withdrawn, status, match_fingerprint, first_reported_at FROM registry_initiatives
          WHERE initiative_id = ANY($1::text[]) FOR UPDATE`,
      [ids],
    );
    return new Map(
      rows.map((r) => [
        r.initiative_id,
        {
          version: r.version,
          withdrawn: r.withdrawn,
          status: r.status,
          matchFingerprint: r.match_fingerprint,
          firstReportedAt: r.first_reported_at.toISOString(),
        },
      ]),
    );
  }

  /**
   * The stored snapshots of these initiatives (locked by `lockStates` in the same transaction): the content a withdrawal
   * tombstone keeps. Read only for a batch's tombstones, so a batch without one costs no more than before.
   */
  async snapshotsOf(tx: Transaction, ids: string[]): Promise<Map<string, InitiativeSnapshot>> {
    if (ids.length === 0) return new Map();
    const rows: { initiative_id: string; snapshot: InitiativeSnapshot }[] = await tx.manager.query(
      `SELECT initiative_id, snapshot FROM registry_initiatives WHERE initiative_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.initiative_id, r.snapshot]));
  }

  /**
   * Writes the newest applied version of each initiative (one row each) and every applied version to the history,
   * in two statements. The `WHERE version <` guard keeps a newer stored version even if a caller got the order wrong.
   */
  async apply(tx: Transaction, latest: RegistryWrite[], history: RegistryWrite[]): Promise<void> {
    if (latest.length > 0) {
      const rows = latest.map((w) => {
        const c = registryColumnsOf(w.snapshot);
        return {
          initiative_id: w.initiativeId,
          source: w.source,
          version: w.version,
          withdrawn: w.withdrawn,
          snapshot: w.snapshot,
          reported_at: w.reportedAt,
          event_id: w.eventId,
          reporter: c.reporter,
          reporter_type: c.reporterType,
          region: c.region,
          kind: c.kind,
          status: c.status,
          primary_stream: c.primaryStream,
          secondary_streams: c.secondaryStreams,
          countries: c.countries,
          capabilities: c.capabilities,
          start_date: c.startDate,
          end_date: c.endDate,
          linked_ids: c.linkedIds,
          match_fingerprint: w.matchFingerprint,
          restricted: c.restricted,
          search_text: c.searchText,
        };
      });
      await tx.manager.query(
        `INSERT INTO registry_initiatives AS r
           (initiative_id, source, version, withdrawn, snapshot, first_reported_at, last_reported_at, last_event_id,
            reporter, reporter_type, region, kind, status, primary_stream, secondary_streams, countries, capabilities,
            start_date, end_date, linked_ids, match_fingerprint, restricted, search_text)
         SELECT x.initiative_id, x.source, x.version, x.withdrawn, x.snapshot, x.reported_at, x.reported_at, x.event_id,
                x.reporter, x.reporter_type, x.region, x.kind, x.status, x.primary_stream,
                ARRAY(SELECT jsonb_array_elements_text(x.secondary_streams)),
                ARRAY(SELECT jsonb_array_elements_text(x.countries)),
                ARRAY(SELECT jsonb_array_elements_text(x.capabilities)),
                x.start_date, x.end_date,
                ARRAY(SELECT jsonb_array_elements_text(x.linked_ids)),
                x.match_fingerprint, x.restricted, x.search_text
           FROM jsonb_to_recordset($1::jsonb) AS x(
             initiative_id text, source text, version int, withdrawn bool, snapshot jsonb, reported_at timestamptz,
             event_id text, reporter text, reporter_type text, region text, kind text, status text, primary_stream text,
             secondary_streams jsonb, countries jsonb, capabilities jsonb, start_date date, end_date date, linked_ids jsonb,
             match_fingerprint text, restricted bool, search_text text)
         ON CONFLICT (initiative_id) DO UPDATE SET
           source = excluded.source, version = excluded.version, withdrawn = excluded.withdrawn,
           snapshot = excluded.snapshot, last_reported_at = excluded.last_reported_at,
           last_event_id = excluded.last_event_id, applied_at = now(),
           reporter = excluded.reporter, reporter_type = excluded.reporter_type, region = excluded.region,
           kind = excluded.kind, status = excluded.status, primary_stream = excluded.primary_stream,
           secondary_streams = excluded.secondary_streams, countries = excluded.countries,
           capabilities = excluded.capabilities, start_date = excluded.start_date, end_date = excluded.end_date,
           linked_ids = excluded.linked_ids,
           match_fingerprint = excluded.match_fingerprint, restricted = excluded.restricted,
           search_text = excluded.search_text
         WHERE r.version < excluded.version`,
        [JSON.stringify(rows)],
      );
      // The rollups' narrow copy, from the rows just written: live records upserted, withdrawn ones removed.
      const ids = latest.map((w) => w.initiativeId);
      await tx.manager.query(
        `INSERT INTO rollup_facts (initiative_id, region, primary_stream, status, kind, capabilities, countries,
                                   restricted, reporter_type, first_reported_at)
         SELECT initiative_id, region, primary_stream, status, kind, capabilities, countries,
                restricted, reporter_type, first_reported_at
           FROM registry_initiatives WHERE initiative_id = ANY($1::text[]) AND NOT withdrawn
         ON CONFLICT (initiative_id) DO UPDATE SET
           region = excluded.region, primary_stream = excluded.primary_stream, status = excluded.status,
           kind = excluded.kind, capabilities = excluded.capabilities, countries = excluded.countries,
           restricted = excluded.restricted, reporter_type = excluded.reporter_type,
           first_reported_at = excluded.first_reported_at`,
        [ids],
      );
      const withdrawn = latest.filter((w) => w.withdrawn).map((w) => w.initiativeId);
      if (withdrawn.length)
        await tx.manager.query(`DELETE FROM rollup_facts WHERE initiative_id = ANY($1::text[])`, [withdrawn]);
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

  /**
   * One record with its history and cluster, if `viewer` may see it: a restricted record is, for a reader of shareable
   * records, exactly as absent as an unknown id; its cluster is the one that reader sees (shareable members only).
   */
  async findById(initiativeId: string, viewer: Viewer): Promise<RegistryRecord | undefined> {
    const rows: {
      initiative_id: string;
      source: string;
      version: number;
      withdrawn: boolean;
      region: string;
      cluster_id: string | null;
      snapshot: InitiativeSnapshot;
      first_reported_at: Date;
      last_reported_at: Date;
    }[] = await this.dataSource.query(
      viewer.restricted
        ? `SELECT initiative_id, source, version, withdrawn, region, c.cluster_id, snapshot, first_reported_at, last_reported_at
             FROM registry_initiatives LEFT JOIN registry_clusters c USING (initiative_id) WHERE initiative_id = $1`
        : `SELECT initiative_id, source, version, withdrawn, region, ${shareableClusterId('v')} AS cluster_id, snapshot,
                  first_reported_at, last_reported_at
             FROM registry_initiatives LEFT JOIN registry_clusters c USING (initiative_id)
                  ${shareableClusterJoin('c.cluster_id', 'v')}
            WHERE initiative_id = $1 AND NOT restricted`,
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
    // A shareable reader's cluster id is its canonical shareable member, in the same stored cluster as the record.
    const members: { initiative_id: string }[] = r.cluster_id
      ? await this.dataSource.query(
          `SELECT initiative_id FROM registry_clusters JOIN registry_initiatives USING (initiative_id)
            WHERE cluster_id = (SELECT cluster_id FROM registry_clusters WHERE initiative_id = $1)
              ${viewer.restricted ? '' : 'AND NOT restricted'}
            ORDER BY initiative_id`,
          [r.initiative_id],
        )
      : [];
    return {
      initiativeId: r.initiative_id,
      source: r.source,
      version: r.version,
      withdrawn: r.withdrawn,
      region: r.region,
      cluster: r.cluster_id
        ? {
            clusterId: r.cluster_id,
            canonicalId: r.cluster_id,
            isCanonical: r.cluster_id === r.initiative_id,
            members: members.map((m) => m.initiative_id),
          }
        : null,
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

  /**
   * A page of the records `viewer` may see, in id order. For a reader of shareable records the restricted ones are
   * filtered out in the query, so the page, its size and the cursor after it are those of the shareable records
   * alone; each record's cluster id, and the `cluster` filter, are the clusters that reader sees.
   */
  async list(filter: RegistryListFilter, viewer: Viewer): Promise<RegistrySummary[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.region) add('region = ?', filter.region);
    if (filter.primaryStream) add('primary_stream = ?', filter.primaryStream);
    if (filter.status) add('status = ?', filter.status);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.country) add('countries @> ARRAY[?]::text[]', filter.country);
    if (filter.reporter) add('reporter = ?', filter.reporter);
    if (filter.cluster && viewer.restricted) add('c.cluster_id = ?', filter.cluster);
    if (filter.cluster && !viewer.restricted) {
      // The cluster whose shareable canonical record is the one named: that record's stored cluster.
      add('c.cluster_id = (SELECT cluster_id FROM registry_clusters WHERE initiative_id = ?)', filter.cluster);
      add(`${shareableClusterId('v')} = ?`, filter.cluster);
    }
    // Each word a substring of the normalised titles (LIKE's own wildcards escaped, though normalised words hold none).
    for (const term of filter.terms ?? [])
      add(`search_text LIKE ? ESCAPE '\\'`, `%${term.replace(/[\\%_]/g, '\\$&')}%`);
    if (!viewer.restricted) where.push('NOT restricted');
    if (!filter.includeWithdrawn) where.push('NOT withdrawn');
    if (filter.after) add('initiative_id > ?', filter.after);
    params.push(filter.limit);
    const rows: {
      initiative_id: string;
      reporter: string;
      region: string;
      version: number;
      withdrawn: boolean;
      kind: string;
      status: string;
      primary_stream: string;
      countries: string[];
      title: { lang: string; text: string };
      title_alt: { lang: string; text: string }[] | null;
      cluster_id: string | null;
      last_reported_at: Date;
    }[] = await this.dataSource.query(
      `SELECT initiative_id, reporter, region, version, withdrawn, kind, status, primary_stream, countries,
              snapshot -> 'title' AS title, snapshot -> 'titleAlt' AS title_alt, ${viewer.restricted ? 'c.cluster_id' : shareableClusterId('v')} AS cluster_id,
              last_reported_at
         FROM registry_initiatives LEFT JOIN registry_clusters c USING (initiative_id)
              ${viewer.restricted ? '' : shareableClusterJoin('c.cluster_id', 'v')}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY initiative_id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      initiativeId: r.initiative_id,
      reporter: r.reporter,
      region: r.region,
      version: r.version,
      withdrawn: r.withdrawn,
      kind: r.kind,
      status: r.status,
      primaryActionStream: r.primary_stream,
      countries: r.countries,
      title: r.title,
      titleAlt: r.title_alt ?? [],
      clusterId: r.cluster_id,
      lastReportedAt: r.last_reported_at.toISOString(),
    }));
  }
}
