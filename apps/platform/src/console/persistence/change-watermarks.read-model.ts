import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WatermarkReading } from '../domain/change-watermarks';

/** The floors of the tables read with lagging floors (change-watermarks.ts). */
export interface ChangeFloors {
  pairs: { floor: string | null; nextFloor: string | null };
  registry: { floor: string | null; nextFloor: string | null };
}

export interface ChangeReadings {
  /** The digest of the last rollup published (`platform_publications`): it changes exactly when the counts do. */
  rollups: WatermarkReading;
  /** `overlap_pairs.updated_at`: a detection run's verdicts, an analyst's decision (pairs are never deleted). */
  pairs: WatermarkReading;
  /** `registry_versions.id`: every version applied to the registry, withdrawals included (insert only). */
  registry: WatermarkReading;
}

/**
 * The change marks GET /console/stream's poller reads, in one statement of index lookups: the newest rollup digest,
 * the newest pair update (index overlap_pairs_updated) and the newest applied version (primary key), with digests of
 * the rows above the lagging floors (a count, and for pairs the sum of their update times, which moves when a pair
 * already above the floor is updated again).
 */
@Injectable()
export class ChangeWatermarksReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async read(floors: ChangeFloors): Promise<ChangeReadings> {
    const pairsAbove = (p: string) =>
      `(SELECT count(*) || ':' || coalesce(sum(extract(epoch FROM updated_at)), 0)
          FROM overlap_pairs WHERE updated_at > ${p}::timestamptz)`;
    const registryAbove = (p: string) => `(SELECT count(*)::text FROM registry_versions WHERE id > ${p}::bigint)`;
    const [row]: {
      rollups: string | null;
      pairs_newest: string | null;
      pairs_above: string;
      pairs_above_next: string;
      registry_newest: string | null;
      registry_above: string;
      registry_above_next: string;
    }[] = await this.dataSource.query(
      `SELECT (SELECT digest FROM platform_publications WHERE kind = 'rollup') AS rollups,
              (SELECT max(updated_at)::text FROM overlap_pairs) AS pairs_newest,
              ${pairsAbove('$1')} AS pairs_above, ${pairsAbove('$2')} AS pairs_above_next,
              (SELECT max(id)::text FROM registry_versions) AS registry_newest,
              ${registryAbove('$3')} AS registry_above, ${registryAbove('$4')} AS registry_above_next`,
      [floors.pairs.floor, floors.pairs.nextFloor, floors.registry.floor, floors.registry.nextFloor],
    );
    return {
      rollups: { newest: row.rollups, aboveFloor: '', aboveNextFloor: '' },
      pairs: { newest: row.pairs_newest, aboveFloor: row.pairs_above, aboveNextFloor: row.pairs_above_next },
      registry: {
        newest: row.registry_newest,
        aboveFloor: row.registry_above,
        aboveNextFloor: row.registry_above_next,
      },
    };
  }
}
