import { sqlMigration } from '@ctp/persistence';

/**
 * What a consumer dead-lettered, one row per message it gave up on (its stream position), so that the event's fate can
 * be found by what the message carried — its envelope's or CloudEvents headers' source and id, its Nats-Msg-Id — with
 * an index lookup, and `npm run dlq -- redrive <dlq_seq>` named, without reading the dead-letter stream (which a
 * service's NATS identity may not read). Kept apart from `inbox_events`: a row there means "applied", and a re-driven
 * event must still be applied.
 */
export const InboxDeadLetters1764310000000 = sqlMigration('InboxDeadLetters1764310000000', {
  up: [
    `
      CREATE TABLE inbox_dead_letters (
        consumer          text NOT NULL,
        stream            text NOT NULL,
        stream_seq        bigint NOT NULL,
        subject           text NOT NULL,
        source            text,
        event_id          text,
        event_type        text,
        nats_msg_id       text,
        reason            text NOT NULL,
        detail            text,
        delivery_count    integer NOT NULL,
        dlq_stream        text,
        dlq_seq           bigint,
        redriven_from     bigint,
        dead_lettered_at  timestamptz NOT NULL,
        PRIMARY KEY (consumer, stream, stream_seq)
      )`,
    `CREATE INDEX inbox_dead_letters_event ON inbox_dead_letters (event_id) WHERE event_id IS NOT NULL`,
    `CREATE INDEX inbox_dead_letters_msg_id ON inbox_dead_letters (nats_msg_id) WHERE nats_msg_id IS NOT NULL`,
  ],
  down: [`DROP TABLE inbox_dead_letters`],
});
