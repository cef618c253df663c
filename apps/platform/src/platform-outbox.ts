/**
 * The outbox writer the platform's features append with: the messaging lib's, except in the `api` role, whose writer
 * wakes the consumer thread's relay instead (that thread relays; see PlatformRuntimeModule).
 */
export const PLATFORM_OUTBOX = Symbol('PLATFORM_OUTBOX');
