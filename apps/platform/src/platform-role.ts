/**
 * How an instance of the platform module runs: `all` in one thread (a rebuild); `api`, the main thread of the
 * platform process (HTTP, analysts' decisions), with `consumer`, its worker thread (the JetStream consumers, the
 * detection worker, the outbox relay), so that applying events and comparing records never holds an HTTP request.
 */
export type PlatformRole = 'all' | 'api' | 'consumer';

export const PLATFORM_ROLE = Symbol('PLATFORM_ROLE');
