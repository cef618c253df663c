import { sqlMigration } from '@ctp/persistence';

/**
 * The highest stream position a consumer decided (`max(stream_seq) … WHERE consumer = $1`), which the platform reads at
 * every start to tell a restored database from an ordinary restart (jetstream.server.ts, the consumer rewind): an
 * index lookup instead of a scan of an inbox that is never pruned.
 */
export const InboxPosition1764400000000 = sqlMigration('InboxPosition1764400000000', {
  up: [`CREATE INDEX IF NOT EXISTS inbox_events_consumer_seq ON inbox_events (consumer, stream_seq)`],
  down: [`DROP INDEX IF EXISTS inbox_events_consumer_seq`],
});
