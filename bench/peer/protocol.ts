/**
 * The peer: the same hub → platform flow written the way the NestJS documentation and the most used NestJS JetStream
 * transport (@nestjs-plugins/nestjs-nats-jetstream-transport, on the `nats` 2.x client) show it, to measure ours
 * against what a NestJS team would otherwise build. Its hub (hub.ts) inserts the initiative in PostgreSQL and, after
 * the commit, publishes the event to JetStream with the transport's client proxy; its platform (consumer.ts) is a
 * Nest microservice on the transport's server whose @EventPattern handler writes the registry row and an inbox row in
 * one transaction per message, then acks. No outbox, no relay, no batching. Guarantees it lacks: docs/benchmark.md.
 */
export const PEER_STREAM = 'PEER';
export const PEER_SUBJECT_ROOT = 'peer';

/** The peer hub's table: the initiative as reported, one row per POST (created_at = the transaction's start). */
export const PEER_HUB_SCHEMA = [
  `CREATE TABLE initiatives (
     id             bigserial PRIMARY KEY,
     event_id       text NOT NULL UNIQUE,
     initiative_id  text NOT NULL,
     version        integer NOT NULL,
     snapshot       jsonb NOT NULL,
     correlation_id text,
     created_at     timestamptz NOT NULL DEFAULT now()
   )`,
];

/** The peer platform's tables: an inbox row per message (decided_at stamped by its INSERT) and the registry. */
export const PEER_PLATFORM_SCHEMA = [
  `CREATE TABLE inbox_events (
     event_id    text PRIMARY KEY,
     subject     text NOT NULL,
     stream_seq  bigint NOT NULL,
     decided_at  timestamptz NOT NULL DEFAULT clock_timestamp()
   )`,
  `CREATE TABLE registry_initiatives (
     initiative_id  text PRIMARY KEY,
     source         text NOT NULL,
     version        integer NOT NULL,
     snapshot       jsonb NOT NULL,
     last_event_id  text NOT NULL,
     applied_at     timestamptz NOT NULL DEFAULT now()
   )`,
];
