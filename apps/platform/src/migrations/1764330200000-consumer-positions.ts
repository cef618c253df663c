import { sqlMigration } from '@ctp/persistence';

/**
 * How far each durable consumer's events are decided in this database (the broker's ack floor as last seen): a
 * database restored from a backup holds an older position than the broker, and the consumer is rewound to it at
 * start-up (JetStreamServer `trackPositions`; docs/operations.md "Backups and restores").
 */
export const ConsumerPositions1764330200000 = sqlMigration('ConsumerPositions1764330200000', {
  up: [
    `
      CREATE TABLE consumer_positions (
        consumer       text NOT NULL,
        stream         text NOT NULL,
        acked_through  bigint NOT NULL CHECK (acked_through >= 0),
        recorded_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, stream)
      )`,
  ],
  down: [`DROP TABLE consumer_positions`],
});
