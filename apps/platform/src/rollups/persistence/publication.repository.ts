import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * `platform_publications`: the digest of the last content published per kind (e.g. `rollup`), so that an unchanged
 * rollup is not published again, across instances.
 */
@Injectable()
export class PublicationRepository {
  /** The last digest published for `kind` ('' before the first), its row locked until the transaction ends. */
  async lockLastDigest(m: EntityManager, kind: string): Promise<string> {
    await m.query(`INSERT INTO platform_publications (kind, digest) VALUES ($1, '') ON CONFLICT (kind) DO NOTHING`, [
      kind,
    ]);
    const [{ digest }] = await m.query(`SELECT digest FROM platform_publications WHERE kind = $1 FOR UPDATE`, [kind]);
    return digest as string;
  }

  async saveDigest(m: EntityManager, kind: string, digest: string): Promise<void> {
    await m.query(`UPDATE platform_publications SET digest = $2, published_at = now() WHERE kind = $1`, [kind, digest]);
  }
}
