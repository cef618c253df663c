import { Injectable } from '@nestjs/common';
import { Visibility } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { DataSource } from 'typeorm';

/**
 * The current visibility of records, whoever owns them: INTERPOL records from partner-liaison's copy
 * (`liaison_records`), partners' records from their table (`partner_initiatives`, only the snapshot's visibility).
 * A record not found is absent from the answer (callers treat it as restricted).
 */
@Injectable()
export class RecordVisibilityReader {
  constructor(private readonly dataSource: DataSource) {}

  async visibilityOf(ids: readonly string[], tx?: Transaction): Promise<Map<string, Visibility>> {
    if (ids.length === 0) return new Map();
    const rows: { initiative_id: string; visibility: Visibility }[] = await (tx?.manager ?? this.dataSource).query(
      `SELECT initiative_id, visibility FROM liaison_records WHERE initiative_id = ANY($1::text[])
       UNION ALL
       SELECT initiative_id, snapshot ->> 'visibility' FROM partner_initiatives WHERE initiative_id = ANY($1::text[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.initiative_id, r.visibility]));
  }
}
