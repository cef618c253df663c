import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * A row of `matching_models` as stored. `model` is what the column holds, not yet checked: the application layer
 * checks it (`modelProblems`) before using it.
 */
export interface StoredMatchingModel {
  version: string;
  model: unknown;
  appliedAt: string;
  appliedBy: string;
  note: string | null;
}

/** Most rows read when looking for the model in use: the newest valid one is almost always the first. */
export const APPLIED_MODELS_READ = 20;

interface Row {
  version: string;
  model: unknown;
  applied_at: Date;
  applied_by: string;
  note: string | null;
}

const toStored = (r: Row): StoredMatchingModel => ({
  version: r.version,
  model: r.model,
  appliedAt: r.applied_at.toISOString(),
  appliedBy: r.applied_by,
  note: r.note,
});

/** The matching models an operator applied (`matching_models`), newest first. Rows are only ever inserted. */
@Injectable()
export class MatchingModelRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The most recently applied rows, newest first (at most `limit`). */
  async applied(limit = APPLIED_MODELS_READ): Promise<StoredMatchingModel[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT version, model, applied_at, applied_by, note FROM matching_models
        ORDER BY applied_at DESC, version DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toStored);
  }

  /**
   * Stores an applied model (its version is the key: applying the same version twice fails on the primary key) and
   * returns the row as stored.
   */
  async insert(row: {
    version: string;
    model: unknown;
    appliedBy: string;
    note: string | null;
  }): Promise<StoredMatchingModel> {
    const rows: Row[] = await this.dataSource.query(
      `INSERT INTO matching_models (version, model, applied_by, note) VALUES ($1, $2::jsonb, $3, $4)
       RETURNING version, model, applied_at, applied_by, note`,
      [row.version, JSON.stringify(row.model), row.appliedBy, row.note],
    );
    return toStored(rows[0]);
  }
}
