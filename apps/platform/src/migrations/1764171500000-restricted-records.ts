import { sqlMigration } from '@ctp/persistence';

/**
 * What the platform serves to whom (docs/security.md: `INTERPOL_RESTRICTED` records never reach a partner) and who decided.
 *
 * - `registry_initiatives.restricted`: the record's current snapshot is not `PARTNER_SHAREABLE` (deny by default),
 *   written with every version, so a record made restricted by an update is hidden from the moment it is applied.
 * - `rollup_facts.restricted`, `reporter_type`, `first_reported_at`: what GET /rollups needs to count a registry:read
 *   holder's records (shareable ones only) and each duplicate cluster once under its canonical record among its
 *   shareable members (a hub's record first, then the earliest first reported, then the smaller id), in the same
 *   single query, without reading the wide registry rows. The columns have no default: a writer that forgets one
 *   fails instead of counting a restricted record as shareable. A partial index holds the restricted facts.
 * - `overlap_pairs.decided_by_sub`, `decided_by_org`: who (the token's `sub` and `org`) made an analyst's decision.
 * - `registry_versions_event`: GET /events/:source/:id tells a registry:read holder the outcome of an event only when
 *   it was applied to a record they may see; the event is found among the applied versions by its id.
 */
export const RestrictedRecords1764171500000 = sqlMigration('RestrictedRecords1764171500000', {
  up: [
    `ALTER TABLE registry_initiatives ADD COLUMN restricted boolean NOT NULL DEFAULT true`,
    `UPDATE registry_initiatives SET restricted = coalesce(snapshot ->> 'visibility', '') <> 'PARTNER_SHAREABLE'`,
    `ALTER TABLE registry_initiatives ALTER COLUMN restricted DROP DEFAULT`,
    `
      ALTER TABLE rollup_facts
        ADD COLUMN restricted boolean NOT NULL DEFAULT true,
        ADD COLUMN reporter_type text,
        ADD COLUMN first_reported_at timestamptz`,
    `
      UPDATE rollup_facts f SET restricted = r.restricted, reporter_type = r.reporter_type,
                                first_reported_at = r.first_reported_at
        FROM registry_initiatives r WHERE r.initiative_id = f.initiative_id`,
    `ALTER TABLE rollup_facts ALTER COLUMN restricted DROP DEFAULT`,
    // GET /rollups for a reader of shareable records looks up the clusters whose canonical record is restricted.
    `CREATE INDEX rollup_facts_restricted ON rollup_facts (initiative_id) WHERE restricted`,
    `ALTER TABLE overlap_pairs ADD COLUMN decided_by_sub text, ADD COLUMN decided_by_org text`,
    `CREATE INDEX registry_versions_event ON registry_versions (event_id)`,
  ],
  down: [
    `DROP INDEX registry_versions_event`,
    `ALTER TABLE overlap_pairs DROP COLUMN decided_by_sub, DROP COLUMN decided_by_org`,
    `DROP INDEX rollup_facts_restricted`,
    `ALTER TABLE rollup_facts DROP COLUMN restricted, DROP COLUMN reporter_type, DROP COLUMN first_reported_at`,
    `ALTER TABLE registry_initiatives DROP COLUMN restricted`,
  ],
});
