import { sqlMigration } from '@ctp/persistence';

/**
 * The versions of a source's records the platform refused for their content (REJECTED: SCHEMA, INVALID_DATES, …):
 * reconciliation counts them as known, so a record refused once is not re-published every minute (#13), and GET /sync
 * shows them. `counts_until`: NULL, for ever (the same version is refused again whenever it comes); a time for a
 * refusal that time may lift (a `lastUpdatedAt` ahead of the platform's clock).
 */
export const SyncRefused1764171700000 = sqlMigration('SyncRefused1764171700000', {
  up: [
    `
      CREATE TABLE sync_refused (
        source         text NOT NULL,
        initiative_id  text NOT NULL,
        version        integer NOT NULL,
        withdrawn      boolean NOT NULL,
        reason         text NOT NULL,
        detail         text,
        event_id       text NOT NULL,
        refused_at     timestamptz NOT NULL DEFAULT now(),
        counts_until   timestamptz,
        PRIMARY KEY (source, initiative_id, version)
      )`,
  ],
  down: [`DROP TABLE sync_refused`],
});
