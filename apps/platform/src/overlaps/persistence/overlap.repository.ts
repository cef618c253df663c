import { Injectable } from '@nestjs/common';
import { InitiativeSnapshot } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { BlockRecord } from '../domain/blocking';
import { Viewer } from '../../registry/domain/visibility';
import { CappedRecordView, DecidedBy, StoredPair } from '../domain/overlap-pair';
import { OverlapListFilter } from '../domain/pair-order';

export type { CappedRecordView, DecidedBy, StoredPair };

/** What a detection run reads back of a pair it saved. */
export type SavedPair = Pick<StoredPair, 'id' | 'aId' | 'bId' | 'effective'>;

/** What detection needs to know of a record before its snapshot: enough to tell whether a cached candidate is current. */
export interface StoredCandidate {
  initiativeId: string;
  version: number;
  firstReportedAt: string;
  withdrawn: boolean;
}

export interface PairWrite {
  aId: string;
  bId: string;
  classification: string | null;
  score: number;
  rule: string;
  signals: unknown;
}

interface PairRow {
  id: string;
  a_id: string;
  b_id: string;
  classification: string | null;
  score: number | null;
  rule: string | null;
  signals: unknown;
  decision: string | null;
  decision_note: string | null;
  decided_at: Date | null;
  decided_by_sub: string | null;
  decided_by_org: string | null;
  effective: string | null;
  first_flagged_at: Date;
  updated_at: Date;
}

const toPair = (r: PairRow): StoredPair => ({
  id: String(r.id),
  aId: r.a_id,
  bId: r.b_id,
  classification: r.classification,
  score: r.score,
  rule: r.rule,
  signals: r.signals,
  decision: r.decision,
  decisionNote: r.decision_note,
  decidedAt: r.decided_at?.toISOString() ?? null,
  decidedBy: r.decided_by_sub !== null ? { sub: r.decided_by_sub, org: r.decided_by_org ?? '' } : null,
  effective: r.effective,
  firstFlaggedAt: r.first_flagged_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** A pair both of whose records are in the registry and PARTNER_SHAREABLE (a condition on `overlap_pairs`). */
const BOTH_SHAREABLE = `EXISTS (SELECT 1 FROM registry_initiatives ra WHERE ra.initiative_id = a_id AND NOT ra.restricted)
  AND EXISTS (SELECT 1 FROM registry_initiatives rb WHERE rb.initiative_id = b_id AND NOT rb.restricted)`;

/** Rows per statement when writing blocking rows: bounds each statement's size. */
const BLOCK_ROWS_PER_STATEMENT = 5_000;
/** Pairs per statement when saving verdicts. */
const PAIRS_PER_STATEMENT = 2_000;

/** Pairs and clusters. Every method takes all of a batch's records at once and issues a fixed number of statements. */
@Injectable()
export class OverlapRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Where a read runs: in the transaction, or (null) on a connection of the pool, outside any transaction. The
   * registry rows detection reads (records, snapshots) are the consumer's, which detection never writes: read outside
   * its transaction they are committed rows as the run's own statements would read them (READ COMMITTED reads the
   * latest committed either way), and the read does not wait behind the run's statements (a batch of pairs being
   * saved). A run then holds two of the pool's connections while it loads candidates.
   */
  private on(tx: Transaction | null): { query: DataSource['query'] } {
    return tx ? tx.manager : this.dataSource;
  }

  /**
   * One detection run (or analyst decision) at a time, across instances, until commit. Detection writes only its
   * own tables (pairs, clusters, blocking rows, the queue, the outbox), never the registry rows the consumer
   * writes, so the consumer never waits for it.
   */
  async lockDetection(tx: Transaction): Promise<void> {
    await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtext('ctp-platform-detection'))`);
  }

  /** Queues records for the detection worker (same transaction as their change, so none is forgotten). */
  async queueForDetection(tx: Transaction, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await tx.manager.query(`INSERT INTO detection_queue (initiative_id) SELECT unnest($1::text[])`, [ids]);
  }

  /** Removes up to `limit` of the oldest queue entries (the caller's transaction) and returns their records, once each. */

  async takeQueued(tx: Transaction, limit: number): Promise<{ taken: number; initiativeIds: string[] }> {
    // TypeORM answers a DELETE … RETURNING with [rows, affected count].
    const [rows]: [{ initiative_id: string }[], number] = await tx.manager.query(
      `DELETE FROM detection_queue WHERE seq IN (SELECT seq FROM detection_queue ORDER BY seq LIMIT $1)
       RETURNING initiative_id`,
      [limit],
    );
    return { taken: rows.length, initiativeIds: [...new Set(rows.map((r) => r.initiative_id))] };
  }

  /**
   * Puts the queued records in the order of their start dates (records without dates last), keeping each entry's
   * queued_at: runs then take records of neighbouring dates, whose candidates — records of the same weeks — the run
   * before mostly loaded already (the candidate cache). For a queue holding much of the registry (platform:rebuild);
   * the caller holds the detection lock. Returns how many entries were reordered.
   */
  async orderQueueByDates(tx: Transaction): Promise<number> {
    // The seq column's default numbers the rows in the order the SELECT gives them.
    const [{ n }]: { n: number }[] = await tx.manager.query(
      `WITH taken AS (DELETE FROM detection_queue RETURNING seq, initiative_id, queued_at),
       moved AS (
         INSERT INTO detection_queue (initiative_id, queued_at)
         SELECT t.initiative_id, t.queued_at FROM taken t
           LEFT JOIN registry_initiatives r ON r.initiative_id = t.initiative_id
          ORDER BY r.start_date NULLS LAST, t.seq
         RETURNING 1)
       SELECT count(*)::int AS n FROM moved`,
    );
    return n;
  }

  async queueLength(tx: Transaction): Promise<number> {
    const [{ n }]: { n: number }[] = await tx.manager.query(`SELECT count(*)::int AS n FROM detection_queue`);
    return n;
  }

  async queueState(): Promise<{ queued: number; oldestQueuedAt: string | null }> {
    const [row]: { queued: number; oldest: Date | null }[] = await this.dataSource.query(
      `SELECT count(*)::int AS queued, min(queued_at) AS oldest FROM detection_queue`,
    );
    return { queued: row.queued, oldestQueuedAt: row.oldest?.toISOString() ?? null };
  }

  /**
   * Records the changed records that were capped (upserted, keeping when each was first flagged) and clears the flag
   * of the other changed records (no longer over the cap, withdrawn, gone).
   */
  async setCapped(
    tx: Transaction,
    changedIds: readonly string[],
    capped: readonly { initiativeId: string; candidates: number; compared: number; cap: number }[],
  ): Promise<void> {
    const ids = capped.map((c) => c.initiativeId);
    await tx.manager.query(
      `DELETE FROM detection_capped WHERE initiative_id = ANY($1::text[]) AND NOT (initiative_id = ANY($2::text[]))`,
      [changedIds, ids],
    );
    if (capped.length === 0) return;
    await tx.manager.query(
      `INSERT INTO detection_capped AS d (initiative_id, candidates, compared, cap)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[])
       ON CONFLICT (initiative_id) DO UPDATE SET
         candidates = excluded.candidates, compared = excluded.compared, cap = excluded.cap, detected_at = now()`,
      [ids, capped.map((c) => c.candidates), capped.map((c) => c.compared), capped.map((c) => c.cap)],
    );
  }

  /** How many records are capped, and the first `limit` of them (oldest flag first). */
  async cappedState(limit: number): Promise<{ total: number; records: CappedRecordView[] }> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM detection_capped`);
    const rows: {
      initiative_id: string;
      candidates: number;
      compared: number;
      cap: number;
      flagged_at: Date;
      detected_at: Date;
    }[] = await this.dataSource.query(`SELECT * FROM detection_capped ORDER BY flagged_at, initiative_id LIMIT $1`, [
      limit,
    ]);
    return {
      total: n,
      records: rows.map((r) => ({
        initiativeId: r.initiative_id,
        candidates: r.candidates,
        compared: r.compared,
        cap: r.cap,
        flaggedAt: r.flagged_at.toISOString(),
        detectedAt: r.detected_at.toISOString(),
      })),
    };
  }

  async records(tx: Transaction | null, ids: string[]): Promise<StoredCandidate[]> {
    const rows: { initiative_id: string; version: number; first_reported_at: Date; withdrawn: boolean }[] =
      await this.on(tx).query(
        `SELECT initiative_id, version, first_reported_at, withdrawn FROM registry_initiatives
          WHERE initiative_id = ANY($1::text[])`,
        [ids],
      );
    return rows.map((r) => ({
      initiativeId: r.initiative_id,
      version: r.version,
      firstReportedAt: r.first_reported_at.toISOString(),
      withdrawn: r.withdrawn,
    }));
  }

  /** What the canonical choice of a cluster reads of its members (clusters.ts canonicalOf), from the registry's columns. */
  async canonicalFacts(
    tx: Transaction,
    ids: string[],
  ): Promise<{ initiativeId: string; reporterType: 'HUB' | 'PARTNER'; firstReportedAt: string }[]> {
    if (ids.length === 0) return [];
    const rows: { initiative_id: string; reporter_type: 'HUB' | 'PARTNER'; first_reported_at: Date }[] =
      await tx.manager.query(
        `SELECT r.initiative_id, r.reporter_type, r.first_reported_at
           FROM unnest($1::text[]) AS x(id) JOIN registry_initiatives r ON r.initiative_id = x.id`,
        [ids],
      );
    return rows.map((r) => ({
      initiativeId: r.initiative_id,
      reporterType: r.reporter_type,
      firstReportedAt: r.first_reported_at.toISOString(),
    }));
  }

  /**
   * The stored snapshots of these records. Read after `records`, possibly on another connection: a version committed
   * in between gives its newer snapshot under the older version — harmless, that newer version is queued already.
   */
  async snapshots(tx: Transaction | null, ids: string[]): Promise<Map<string, InitiativeSnapshot>> {
    if (ids.length === 0) return new Map();
    const rows: { initiative_id: string; snapshot: InitiativeSnapshot }[] = await this.on(tx).query(
      `SELECT initiative_id, snapshot FROM registry_initiatives WHERE initiative_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.initiative_id, r.snapshot]));
  }

  /** Counts one more detection run (the caller holds the detection lock) and returns the new generation. */
  async nextGeneration(tx: Transaction): Promise<number> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
    const [rows]: [{ generation: string }[], number] = await tx.manager.query(
      `UPDATE detection_state SET generation = generation + 1 WHERE id = 1 RETURNING generation`,
    );
    return Number(rows[0].generation);
  }

  /** The detection generation (how many runs committed), unchanged. */
  async currentGeneration(tx: Transaction): Promise<number> {
    const [row]: { generation: string }[] = await tx.manager.query(
      `SELECT generation FROM detection_state WHERE id = 1`,
    );
    return Number(row.generation);
  }

  /** Every row of `registry_block_records` (one per live record with dates and countries). */
  async allBlockRecords(tx: Transaction): Promise<BlockRecord[]> {
    const rows: { i: string; r: string; p: string; s: string[]; c: string[]; a: string; b: string }[] =
      await tx.manager.query(
        `SELECT initiative_id AS i, reporter AS r, primary_stream AS p, secondary_streams AS s, countries AS c,
                to_char(start_date, 'YYYY-MM-DD') AS a, to_char(end_date, 'YYYY-MM-DD') AS b
           FROM registry_block_records`,
      );
    return rows.map((x) => ({
      initiativeId: x.i,
      reporterRef: x.r,
      primaryStream: x.p,
      secondaryStreams: x.s,
      countries: x.c,
      start: x.a,
      end: x.b,
    }));
  }

  /**
   * Writes the blocking rows that changed (the in-memory index tells which): upserts `upserted`, deletes the rows of
   * `removed`. A few statements of up to BLOCK_ROWS_PER_STATEMENT rows each (each takes seven array parameters,
   * whatever its number of rows).
   */
  async changeBlockRecords(
    tx: Transaction,
    upserted: readonly BlockRecord[],
    removed: readonly string[],
  ): Promise<void> {
    for (let i = 0; i < removed.length; i += BLOCK_ROWS_PER_STATEMENT)
      await tx.manager.query(`DELETE FROM registry_block_records WHERE initiative_id = ANY($1::text[])`, [
        removed.slice(i, i + BLOCK_ROWS_PER_STATEMENT),
      ]);
    for (let i = 0; i < upserted.length; i += BLOCK_ROWS_PER_STATEMENT) {
      const rows = upserted.slice(i, i + BLOCK_ROWS_PER_STATEMENT);
      // Arrays of arrays of different lengths cannot be a parameter: each list is passed joined by commas (country
      // codes and stream names have none) and split again.
      await tx.manager.query(
        `INSERT INTO registry_block_records AS t
           (initiative_id, reporter, primary_stream, secondary_streams, countries, start_date, end_date)
         SELECT x.i, x.r, x.p, string_to_array(x.s, ','), string_to_array(x.c, ','), x.a, x.b
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[])
                AS x(i, r, p, s, c, a, b)
         ON CONFLICT (initiative_id) DO UPDATE SET
           reporter = excluded.reporter, primary_stream = excluded.primary_stream,
           secondary_streams = excluded.secondary_streams, countries = excluded.countries,
           start_date = excluded.start_date, end_date = excluded.end_date`,
        [
          rows.map((e) => e.initiativeId),
          rows.map((e) => e.reporterRef),
          rows.map((e) => e.primaryStream),
          rows.map((e) => e.secondaryStreams.join(',')),
          rows.map((e) => e.countries.join(',')),
          rows.map((e) => e.start),
          rows.map((e) => e.end),
        ],
      );
    }
  }

  /**
   * Explicit links, whatever the blocking says: the live records of other reporters that a changed live record
   * names (related initiatives, other identifiers) or that name it — through the primary key and the GIN index on
   * linked_ids.
   */
  async linkedCandidates(tx: Transaction, changedIds: string[]): Promise<{ changedId: string; candidateId: string }[]> {
    if (changedIds.length === 0) return [];
    const rows: { changed_id: string; candidate_id: string }[] = await tx.manager.query(
      // Driven by the ids (unnest), each one an index lookup whatever the table's statistics say.
      `SELECT q.initiative_id AS changed_id, r.initiative_id AS candidate_id
         FROM unnest($1::text[]) AS c(id)
         JOIN registry_initiatives q ON q.initiative_id = c.id
         JOIN registry_initiatives r
           ON r.initiative_id <> q.initiative_id AND NOT r.withdrawn AND r.reporter <> q.reporter
          AND (r.initiative_id = ANY(q.linked_ids)
               OR (r.linked_ids @> ARRAY[q.initiative_id] AND cardinality(r.linked_ids) > 0))
        WHERE NOT q.withdrawn`,
      [changedIds],
    );
    return rows.map((r) => ({ changedId: r.changed_id, candidateId: r.candidate_id }));
  }

  async pairsTouching(tx: Transaction, ids: string[]): Promise<StoredPair[]> {
    const rows: PairRow[] = await tx.manager.query(
      `SELECT * FROM overlap_pairs WHERE a_id = ANY($1::text[]) OR b_id = ANY($1::text[]) FOR UPDATE`,
      [ids],
    );
    return rows.map(toPair);
  }

  /**
   * Writes the detector's verdicts; `effective` is the analyst's decision where there is one, else the verdict. Gives
   * back what the run needs of each saved pair (its id and effective classification), not the whole row: reading every
   * saved pair's signals back was a third of the time of saving them in a rebuild.
   */
  async savePairs(tx: Transaction, pairs: PairWrite[]): Promise<SavedPair[]> {
    const saved: SavedPair[] = [];
    // A few statements of up to PAIRS_PER_STATEMENT pairs: the first run over an unpaired registry flags tens of
    // thousands, and one statement of them all was one JSON text and one answer of that size at once.
    for (let i = 0; i < pairs.length; i += PAIRS_PER_STATEMENT)
      for (const row of await this.savePairsOnce(tx, pairs.slice(i, i + PAIRS_PER_STATEMENT))) saved.push(row);
    return saved;
  }

  private async savePairsOnce(tx: Transaction, pairs: PairWrite[]): Promise<SavedPair[]> {
    const rows: { id: string; a_id: string; b_id: string; effective: string | null }[] = await tx.manager.query(
      `INSERT INTO overlap_pairs AS p (a_id, b_id, classification, score, rule, signals, effective)
       SELECT x.a_id, x.b_id, x.classification, x.score, x.rule, x.signals, x.classification
         FROM jsonb_to_recordset($1::jsonb) AS x(a_id text, b_id text, classification text, score float8, rule text, signals jsonb)
       ON CONFLICT (a_id, b_id) DO UPDATE SET
         classification = excluded.classification, score = excluded.score, rule = excluded.rule,
         signals = excluded.signals, updated_at = now(),
         effective = CASE p.decision WHEN 'CONFIRMED' THEN 'DUPLICATE' WHEN 'REJECTED' THEN NULL
                                     ELSE excluded.classification END
       RETURNING p.id, p.a_id, p.b_id, p.effective`,
      [
        JSON.stringify(
          pairs.map((p) => ({
            a_id: p.aId,
            b_id: p.bId,
            classification: p.classification,
            score: p.score,
            rule: p.rule,
            signals: p.signals ?? null,
          })),
        ),
      ],
    );
    return rows.map((r) => ({ id: String(r.id), aId: r.a_id, bId: r.b_id, effective: r.effective }));
  }

  /** The stored pairs of these ids (driven by the ids: an index lookup each). */
  async pairsByIds(tx: Transaction, ids: string[]): Promise<StoredPair[]> {
    if (ids.length === 0) return [];
    const rows: PairRow[] = await tx.manager.query(
      `SELECT p.* FROM unnest($1::bigint[]) AS x(id) JOIN overlap_pairs p ON p.id = x.id`,
      [ids],
    );
    return rows.map(toPair);
  }

  async decide(
    tx: Transaction,
    id: string,
    decision: 'CONFIRMED' | 'REJECTED',
    note: string | null,
    decidedBy: DecidedBy,
  ): Promise<StoredPair | undefined> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows]: [PairRow[], number] = await tx.manager.query(
      `UPDATE overlap_pairs SET decision = $2, decision_note = $3, decided_at = now(), updated_at = now(),
              decided_by_sub = $4, decided_by_org = $5,
              effective = CASE $2 WHEN 'CONFIRMED' THEN 'DUPLICATE' ELSE NULL END
        WHERE id = $1 RETURNING *`,
      [id, decision, note, decidedBy.sub, decidedBy.org],
    );
    return rows.map(toPair)[0];
  }

  async lockPair(tx: Transaction, id: string): Promise<StoredPair | undefined> {
    const rows: PairRow[] = await tx.manager.query(`SELECT * FROM overlap_pairs WHERE id = $1 FOR UPDATE`, [id]);
    return rows.map(toPair)[0];
  }

  /**
   * The effective DUPLICATE pairs connecting `seeds` to the rest of their clusters (withdrawn records are in no
   * cluster, so pairs with one are left out). The walk follows each pair both ways, one probe of the partial indexes
   * `overlap_pairs_duplicate_a` / `_b` per reached record: its cost is the clusters' size, not the registry's (reading
   * every DUPLICATE pair at each step of the walk grew with the registry: 480 ms per 2,000 seeds with 200,000 stored).
   */
  async duplicateComponents(tx: Transaction, seeds: string[]): Promise<{ a: string; b: string }[]> {
    const rows: { a_id: string; b_id: string }[] = await tx.manager.query(
      `WITH RECURSIVE reach(id) AS (
         SELECT unnest($1::text[])
         UNION
         SELECT x.id FROM reach r CROSS JOIN LATERAL (
           SELECT p.b_id AS id FROM overlap_pairs p WHERE p.a_id = r.id AND p.effective = 'DUPLICATE'
           UNION ALL
           SELECT p.a_id FROM overlap_pairs p WHERE p.b_id = r.id AND p.effective = 'DUPLICATE'
         ) x
       )
       SELECT p.a_id, p.b_id FROM reach
         JOIN overlap_pairs p ON p.a_id = reach.id AND p.effective = 'DUPLICATE'
         JOIN registry_initiatives ra ON ra.initiative_id = p.a_id AND NOT ra.withdrawn
         JOIN registry_initiatives rb ON rb.initiative_id = p.b_id AND NOT rb.withdrawn`,
      [seeds],
    );
    return rows.map((r) => ({ a: r.a_id, b: r.b_id }));
  }

  /** Every effective DUPLICATE pair between two records that are not withdrawn (what clusters are made of). */
  async allDuplicateEdges(tx: Transaction): Promise<{ a: string; b: string }[]> {
    const rows: { a_id: string; b_id: string }[] = await tx.manager.query(
      `SELECT p.a_id, p.b_id FROM overlap_pairs p
         JOIN registry_initiatives ra ON ra.initiative_id = p.a_id AND NOT ra.withdrawn
         JOIN registry_initiatives rb ON rb.initiative_id = p.b_id AND NOT rb.withdrawn
        WHERE p.effective = 'DUPLICATE'`,
    );
    return rows.map((r) => ({ a: r.a_id, b: r.b_id }));
  }

  /** The records that are in a cluster. */
  async clusteredIds(tx: Transaction): Promise<string[]> {
    const rows: { initiative_id: string }[] = await tx.manager.query(`SELECT initiative_id FROM registry_clusters`);
    return rows.map((r) => r.initiative_id);
  }

  async currentClusters(tx: Transaction, ids: string[]): Promise<Map<string, string | null>> {
    const rows: { initiative_id: string; cluster_id: string }[] = await tx.manager.query(
      `SELECT initiative_id, cluster_id FROM registry_clusters WHERE initiative_id = ANY($1::text[])`,
      [ids],
    );
    const out = new Map<string, string | null>(ids.map((id) => [id, null]));
    for (const r of rows) out.set(r.initiative_id, r.cluster_id);
    return out;
  }

  async setClusters(tx: Transaction, assignments: { id: string; clusterId: string | null }[]): Promise<void> {
    if (assignments.length === 0) return;
    const out = assignments.filter((a) => a.clusterId === null).map((a) => a.id);
    const into = assignments.filter((a) => a.clusterId !== null);
    if (out.length)
      await tx.manager.query(`DELETE FROM registry_clusters WHERE initiative_id = ANY($1::text[])`, [out]);
    if (into.length)
      await tx.manager.query(
        `INSERT INTO registry_clusters (initiative_id, cluster_id) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (initiative_id) DO UPDATE SET cluster_id = excluded.cluster_id
         WHERE registry_clusters.cluster_id IS DISTINCT FROM excluded.cluster_id`,
        [into.map((a) => a.id), into.map((a) => a.clusterId)],
      );
  }

  /** Whether `viewer` may see this pair: a reader of shareable records only when both of its records are shareable. */
  async visibleTo(tx: Transaction, pair: StoredPair, viewer: Viewer): Promise<boolean> {
    if (viewer.restricted) return true;
    const [{ n }]: { n: number }[] = await tx.manager.query(
      `SELECT count(*)::int AS n FROM registry_initiatives WHERE initiative_id = ANY($1::text[]) AND NOT restricted`,
      [[pair.aId, pair.bId]],
    );
    return n === 2;
  }

  /**
   * A page of flagged or decided pairs, in id order or highest score first (ties by id; a pair without a score last),
   * of those `viewer` may see: for a reader of shareable records, the pairs whose records are both shareable (filtered
   * in the query, so neither the page nor its cursor tells of the others).
   */
  async list(filter: OverlapListFilter, viewer: Viewer): Promise<StoredPair[]> {
    const where = ['effective IS NOT NULL OR decision IS NOT NULL'];
    if (!viewer.restricted) where.push(BOTH_SHAREABLE);
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace(/\?/g, `$${params.length}`));
    };
    if (filter.classification) add('effective = ?', filter.classification);
    // NONE: awaiting an analyst (no parameter: `? IS NOT NULL` left its type undetermined, a 500).
    if (filter.decision === 'NONE') where.push('decision IS NULL');
    else if (filter.decision) add('decision = ?', filter.decision);
    if (filter.initiativeId) add('(a_id = ? OR b_id = ?)', filter.initiativeId);
    const byScore = filter.order === 'score';
    // In score order a pair without a score sorts as -Infinity: last, and still named by a cursor.
    const score = `coalesce(score, '-Infinity'::float8)`;
    if (!byScore && filter.afterId) add('id > ?::bigint', filter.afterId);
    if (byScore && filter.afterScore) {
      params.push(filter.afterScore.score === null ? '-Infinity' : String(filter.afterScore.score));
      const s = `$${params.length}::float8`;
      params.push(filter.afterScore.id);
      where.push(`${score} < ${s} OR (${score} = ${s} AND id > $${params.length}::bigint)`);
    }
    params.push(filter.limit);
    const rows: PairRow[] = await this.dataSource.query(
      `SELECT * FROM overlap_pairs WHERE (${where.join(') AND (')})
        ORDER BY ${byScore ? `${score} DESC, id` : 'id'} LIMIT $${params.length}`,
      params,
    );
    return rows.map(toPair);
  }

  /** One pair, if `viewer` may see it (else as absent as an unknown id). */
  async get(id: string, viewer: Viewer): Promise<StoredPair | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const rows: PairRow[] = await this.dataSource.query(
      `SELECT * FROM overlap_pairs WHERE id = $1 ${viewer.restricted ? '' : `AND ${BOTH_SHAREABLE}`}`,
      [id],
    );
    return rows.map(toPair)[0];
  }
}
