export * from './backoff';
export * from './dead-letters';
export * from './envelope-decoder';
export * from './errors';
export * from './inbox';
export * from './jetstream.server';
export * from './messaging.module';
export * from './nats';
export * from './outbox';
export * from './outbox-relay';
export * from './provisioning';
export * from './received-event';
export { MessagingTables1764170000000 } from './migrations/1764170000000-messaging-tables';
export { InboxDetail1764170500000 } from './migrations/1764170500000-inbox-detail';
import { MessagingTables1764170000000 } from './migrations/1764170000000-messaging-tables';
import { InboxDetail1764170500000 } from './migrations/1764170500000-inbox-detail';
/** The messaging tables' migrations, in order: every service that publishes or consumes includes them. */
export const MESSAGING_MIGRATIONS = [MessagingTables1764170000000, InboxDetail1764170500000];
export * from './service-bootstrap';
