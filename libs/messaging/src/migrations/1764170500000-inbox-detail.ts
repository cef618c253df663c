import { sqlMigration } from '@ctp/persistence';

/** Why an event was rejected, in words (which field, which rule), beside the reason code. */
export const InboxDetail1764170500000 = sqlMigration('InboxDetail1764170500000', {
  up: [
    `ALTER TABLE inbox_events ADD COLUMN detail text`,
    `CREATE INDEX inbox_events_event ON inbox_events (source, event_id)`,
  ],
  down: [`DROP INDEX inbox_events_event`, `ALTER TABLE inbox_events DROP COLUMN detail`],
});
