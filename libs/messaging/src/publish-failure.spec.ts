import { JetStreamApiError, JetStreamClient } from '@nats-io/jetstream';
import { CtpLogger, Metrics } from '@ctp/observability';
import { DataSource } from 'typeorm';
import { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay } from './outbox-relay';
import { describePublishFailure } from './publish-failure';

/** What nats-server 2.9.10 answers a publish to a stream at its max_bytes with discard new (seen in test/faults). */
const maxBytes = () => new JetStreamApiError({ code: 503, err_code: 10077, description: 'maximum bytes exceeded' });
const insufficient = () => new JetStreamApiError({ code: 503, err_code: 10047, description: 'insufficient resources' });

describe('describePublishFailure', () => {
  it('names the full stream, its limit and what frees it', () => {
    const said = describePublishFailure(maxBytes(), 'CTP_EVENTS');
    expect(said).toContain('stream CTP_EVENTS is full (maximum bytes exceeded, JetStream 10077)');
    expect(said).toContain('raises its limit or purges what every consumer has acknowledged');
    expect(said).toContain('the rows wait in the outbox');
    expect(
      describePublishFailure(
        new JetStreamApiError({ code: 503, err_code: 10077, description: 'maximum messages exceeded' }),
        'CTP_EVENTS',
      ),
    ).toContain('stream CTP_EVENTS is full (maximum messages exceeded');
  });

  it('says "insufficient resources" when the server or account is out of storage', () => {
    expect(describePublishFailure(insufficient(), 'CTP_EVENTS')).toMatch(
      /^JetStream has insufficient resources \(insufficient resources, JetStream 10047\).*stream CTP_EVENTS/,
    );
  });

  it('says any other refusal or failure as it came, with the stream for a JetStream error', () => {
    expect(
      describePublishFailure(
        new JetStreamApiError({ code: 400, err_code: 10060, description: 'expected stream does not match' }),
        'CTP_EVENTS',
      ),
    ).toBe('expected stream does not match (JetStream 10060, stream CTP_EVENTS)');
    expect(describePublishFailure(new Error('TIMEOUT'), 'CTP_EVENTS')).toBe('TIMEOUT');
    expect(describePublishFailure('503', 'CTP_EVENTS')).toBe('503');
  });
});

describe('OutboxRelay, when the stream is full', () => {
  it('keeps the row unsent, counts the failure and logs a WARN naming the stream and "maximum bytes exceeded"', async () => {
    const statements: string[] = [];
    const ds = {
      createQueryRunner: () => ({
        connect: async () => undefined,
        query: async (sql: string) => (sql.includes('pg_try_advisory_lock') ? [{ locked: true }] : [{}]),
        release: async () => undefined,
      }),
      query: async (sql: string) => {
        statements.push(sql);
        if (sql.includes('WHERE sent_at IS NULL AND NOT')) {
          return [{ id: '1', event_id: 'e-1', subject: 'ctp.hub.afr.x', payload: '{}', correlation_id: null }];
        }
        return sql.includes('count(*)') ? [{ backlog: 1, oldest_age: 0 }] : [];
      },
    } as unknown as DataSource;
    const full = {
      publish: async () => {
        throw maxBytes();
      },
    } as unknown as JetStreamClient;
    const warnings: Record<string, unknown>[] = [];
    const logger = {
      warn: (line: Record<string, unknown>) => warnings.push(line),
      info: () => undefined,
      debug: () => undefined,
      error: () => undefined,
    } as unknown as CtpLogger;
    const metrics = new Metrics('test');
    const relay = new OutboxRelay(ds, full, logger, metrics, {
      ...DEFAULT_OUTBOX_RELAY_OPTIONS,
      lingerMs: 0,
      stream: 'CTP_EVENTS_SMALL',
    });
    relay.start();
    for (let i = 0; i < 200 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await relay.stop();

    expect(warnings[0]).toMatchObject({ msg: 'outbox relay cannot publish yet, will retry', consecutiveFailures: 1 });
    expect(warnings[0].err).toBe(
      `1 of 1 publishes got no PubAck: ${describePublishFailure(maxBytes(), 'CTP_EVENTS_SMALL')}`,
    );
    expect(String(warnings[0].err)).toContain('stream CTP_EVENTS_SMALL is full (maximum bytes exceeded');
    expect((await metrics.outboxPublishFailures.get()).values[0].value).toBeGreaterThanOrEqual(1);
    // Not marked sent: only its attempts were counted.
    expect(statements.some((s) => s.includes('SET sent_at'))).toBe(false);
    expect(statements.some((s) => s.includes('SET attempts = attempts + 1'))).toBe(true);
  });
});
