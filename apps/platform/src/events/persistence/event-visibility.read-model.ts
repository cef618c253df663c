import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Which events a reader of shareable records may know of, from the registry's provenance (`registry_versions`). */
@Injectable()
export class EventVisibilityReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether this event was applied to a record that is PARTNER_SHAREABLE now. */
  async appliedToShareableRecord(source: string, eventId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM registry_versions v JOIN registry_initiatives r USING (initiative_id)
        WHERE v.event_id = $2 AND v.source = $1 AND NOT r.restricted LIMIT 1`,
      [source, eventId],
    );
    return rows.length > 0;
  }
}
