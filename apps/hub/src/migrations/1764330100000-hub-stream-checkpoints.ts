import { sqlMigration } from '@ctp/persistence';

/**
 * How far in the events stream the hub's start-up check has compared its records with what it published: a database
 * restored from a backup carries the checkpoint of its time, so the next start reads every event published after it.
 */
export const HubStreamCheckpoints1764330100000 = sqlMigration('HubStreamCheckpoints1764330100000', {
  up: [
    `
      CREATE TABLE stream_checkpoints (
        stream      text PRIMARY KEY,
        seq         bigint NOT NULL CHECK (seq >= 0),
        checked_at  timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [`DROP TABLE stream_checkpoints`],
});
