import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Viewer } from '../../registry/domain/visibility';
import { shareableClusterId, shareableClusterJoin } from '../../read-models/visible-clusters';
import { PairRecord } from '../domain/overlap-pair';

/** What a pair's record shows of its snapshot: its titles in every language, its code name and its dates. */
const SNAPSHOT_FIELDS = `snapshot -> 'title' AS title, snapshot -> 'titleAlt' AS title_alt,
  snapshot ->> 'codeName' AS code_name, snapshot -> 'dates' AS dates`;

/** The records of pairs, with the cluster each is in for `viewer` (a reader of shareable records: shareable only). */
@Injectable()
export class PairRecordsReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async of(ids: string[], viewer: Viewer): Promise<PairRecord[]> {
    if (ids.length === 0) return [];
    const rows: {
      initiative_id: string;
      reporter: string;
      kind: string;
      status: string;
      title: { lang: string; text: string };
      title_alt: { lang: string; text: string }[] | null;
      code_name: string | null;
      dates: PairRecord['dates'] | null;
      countries: string[];
      primary_stream: string;
      start_date: string | null;
      end_date: string | null;
      withdrawn: boolean;
      cluster_id: string | null;
    }[] = await this.dataSource.query(
      viewer.restricted
        ? `SELECT initiative_id, reporter, kind, status, ${SNAPSHOT_FIELDS}, countries, primary_stream,
                  to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date,
                  withdrawn, c.cluster_id
             FROM registry_initiatives LEFT JOIN registry_clusters c USING (initiative_id)
            WHERE initiative_id = ANY($1::text[])`
        : `SELECT initiative_id, reporter, kind, status, ${SNAPSHOT_FIELDS}, countries, primary_stream,
                  to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date,
                  withdrawn, ${shareableClusterId('v')} AS cluster_id
             FROM registry_initiatives LEFT JOIN registry_clusters c USING (initiative_id)
                  ${shareableClusterJoin('c.cluster_id', 'v')}
            WHERE initiative_id = ANY($1::text[]) AND NOT restricted`,
      [ids],
    );
    return rows.map((r) => ({
      initiativeId: r.initiative_id,
      reporter: r.reporter,
      kind: r.kind,
      status: r.status,
      title: r.title,
      titleAlt: r.title_alt ?? [],
      codeName: r.code_name,
      countries: r.countries,
      primaryActionStream: r.primary_stream,
      start: r.start_date,
      end: r.end_date,
      dates: r.dates ?? {},
      withdrawn: r.withdrawn,
      clusterId: r.cluster_id,
    }));
  }
}
