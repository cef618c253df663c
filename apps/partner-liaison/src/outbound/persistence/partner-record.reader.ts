import { Injectable } from '@nestjs/common';
import { LocalizedText, Visibility } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { RecordFacts } from '../domain/notices';

/**
 * Partners' own records (table `partner_initiatives`, owned by the inbound side), read with plain SQL for one purpose:
 * whether a notice may show a partner record to another partner (its visibility) and its title. Only the id and the
 * snapshot's visibility and title are read, nothing else of that table.
 */
@Injectable()
export class PartnerRecordReader {
  async facts(tx: Transaction, ids: string[]): Promise<Map<string, RecordFacts>> {
    const partnerIds = ids.filter((id) => id.startsWith('PT-'));
    if (partnerIds.length === 0) return new Map();
    const rows: { initiative_id: string; reporter: string | null; visibility: Visibility; title: LocalizedText }[] =
      await tx.manager.query(
        `SELECT initiative_id, snapshot -> 'reportingOrg' ->> 'ref' AS reporter,
                snapshot ->> 'visibility' AS visibility, snapshot -> 'title' AS title
           FROM partner_initiatives WHERE initiative_id = ANY($1::text[])`,
        [partnerIds],
      );
    return new Map(
      rows.map((r) => [
        r.initiative_id,
        {
          initiativeId: r.initiative_id,
          reporter: r.reporter ?? r.initiative_id.split('-').slice(0, 2).join('-'),
          visibility: r.visibility,
          ...(r.title ? { title: r.title } : {}),
        },
      ]),
    );
  }
}
