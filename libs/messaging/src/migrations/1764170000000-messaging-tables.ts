import { sqlMigration } from '@ctp/persistence';

/**
 * The outbox (events written in the same transaction as the state change, relayed to JetStream after commit) and the
 * inbox (every event a consumer has applied, kept for the life of the system so a redelivery months later is still
 * recognised). Every service that publishes or consumes includes this migration.
 */
export const MessagingTables1764170000000 = sqlMigration('MessagingTables1764170000000', {
  up: [
    `
      CREATE TABLE outbox_events (
        id             bigserial PRIMARY KEY,
        event_id       text NOT NULL UNIQUE,
        subject        text NOT NULL,
        payload        text NOT NULL,
        correlation_id text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        sent_at        timestamptz,
        attempts       integer NOT NULL DEFAULT 0
      )`,
    `CREATE INDEX outbox_events_unsent ON outbox_events (id) WHERE sent_at IS NULL`,
    `CREATE INDEX outbox_events_sent_at ON outbox_events (sent_at) WHERE sent_at IS NOT NULL`,
    `
      CREATE TABLE inbox_events (
        consumer     text NOT NULL,
        source       text NOT NULL,
        event_id     text NOT NULL,
        event_type   text NOT NULL,
        subject      text NOT NULL,
        stream_seq   bigint NOT NULL,
        outcome      text,
        reason       text,
        received_at  timestamptz NOT NULL DEFAULT now(),
        decided_at   timestamptz,
        PRIMARY KEY (consumer, source, event_id)
      )`,
  ],
  down: [`DROP TABLE inbox_events`, `DROP TABLE outbox_events`],
});
