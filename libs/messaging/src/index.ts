export * from './backoff';
export * from './consumer-positions';
export * from './dead-letters';
export * from './dead-letter-lookup';
export * from './envelope-decoder';
export * from './errors';
// Which failures no retry can fix (PermanentEventError, PostgreSQL's data exceptions, …): one classifier for the bus
// and for intake.
export * from './permanent-failure';
export * from './inbox';
export * from './jetstream.server';
export * from './messaging.module';
export * from './nats';
export * from './nats-credentials';
export * from './nats-permissions';
export * from './nats-identities';
export * from './outbox';
export * from './outbox-relay';
export * from './publish-failure';
export * from './provisioning';
export * from './received-event';
export * from './recorded-dead-letters';
export * from './sync-source';
export * from './sync-source-provider';
export * from './sync-sql';
export { MessagingTables1764170000000 } from './migrations/1764170000000-messaging-tables';
export { InboxDetail1764170500000 } from './migrations/1764170500000-inbox-detail';
export { InboxDeadLetters1764310000000 } from './migrations/1764310000000-inbox-dead-letters';
export { InboxPosition1764400000000 } from './migrations/1764400000000-inbox-position';
import { MessagingTables1764170000000 } from './migrations/1764170000000-messaging-tables';
import { InboxDetail1764170500000 } from './migrations/1764170500000-inbox-detail';
import { InboxDeadLetters1764310000000 } from './migrations/1764310000000-inbox-dead-letters';
import { InboxPosition1764400000000 } from './migrations/1764400000000-inbox-position';
/** The messaging tables' migrations, in order: every service that publishes or consumes includes them. */
export const MESSAGING_MIGRATIONS = [
  MessagingTables1764170000000,
  InboxDetail1764170500000,
  InboxDeadLetters1764310000000,
  InboxPosition1764400000000,
];
