import { loadOutboundConfig } from './outbound.config';

describe('loadOutboundConfig', () => {
  it('has defaults for everything', () => {
    expect(loadOutboundConfig({})).toEqual({
      webhook: {
        retryBaseMs: 1000,
        retryMaxMs: 300_000,
        maxAttempts: 8,
        timeoutMs: 5000,
        pollIntervalMs: 1000,
        concurrency: 8,
      },
      reconcileIntervalMs: 30_000,
      noticeWaitMs: 300_000,
    });
  });

  it('reads each variable', () => {
    const c = loadOutboundConfig({
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '400',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_TIMEOUT_MS: '700',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_CONCURRENCY: '2',
      FEED_RECONCILE_INTERVAL_MS: '500',
      NOTICE_WAIT_MS: '0',
    });
    expect(c).toEqual({
      webhook: {
        retryBaseMs: 50,
        retryMaxMs: 400,
        maxAttempts: 3,
        timeoutMs: 700,
        pollIntervalMs: 100,
        concurrency: 2,
      },
      reconcileIntervalMs: 500,
      noticeWaitMs: 0,
    });
  });

  it('names every bad value at once', () => {
    expect(() =>
      loadOutboundConfig({
        WEBHOOK_MAX_ATTEMPTS: '0',
        WEBHOOK_TIMEOUT_MS: 'soon',
        WEBHOOK_RETRY_BASE_MS: '5000',
        WEBHOOK_RETRY_MAX_MS: '1000',
      }),
    ).toThrow(
      /WEBHOOK_MAX_ATTEMPTS="0"[\s\S]*WEBHOOK_TIMEOUT_MS="soon"[\s\S]*WEBHOOK_RETRY_MAX_MS \(1000\) must not be below/,
    );
  });
});
