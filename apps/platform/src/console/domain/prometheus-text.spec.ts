import { maxOf, samplesOf, sumOf } from './prometheus-text';

const TEXT = [
  '# HELP ctp_outbox_backlog Outbox rows written but not yet accepted by the broker',
  '# TYPE ctp_outbox_backlog gauge',
  'ctp_outbox_backlog{service="hub-eur"} 12',
  'ctp_outbox_backlog{service="hub-eur",thread="consumer"} 3',
  'ctp_outbox_backlog_extra 999',
  'ctp_dead_letters_total{service="platform",consumer="platform-hubs",reason="SQLSTATE_22008",thread="consumer"} 2',
  'ctp_dead_letters_total{service="platform",consumer="platform-hubs",reason="has \\"quotes\\", and {braces}"} 1',
  'ctp_outbox_oldest_unsent_age_seconds 4.5 1700000000000',
  'ctp_broken{a="b"} not-a-number',
  '',
].join('\n');

describe('reading a metric out of the Prometheus text exposition', () => {
  it('reads every sample of a name with its labels, not those of a longer name', () => {
    expect(samplesOf(TEXT, 'ctp_outbox_backlog')).toEqual([
      { labels: { service: 'hub-eur' }, value: 12 },
      { labels: { service: 'hub-eur', thread: 'consumer' }, value: 3 },
    ]);
    expect(samplesOf(TEXT, 'ctp_dead_letters_total').map((s) => s.labels.reason)).toEqual([
      'SQLSTATE_22008',
      'has "quotes", and {braces}',
    ]);
  });

  it('sums a backlog over threads, takes the largest age, and says when a metric is not exported', () => {
    expect(sumOf(TEXT, 'ctp_outbox_backlog')).toBe(15);
    expect(maxOf(TEXT, 'ctp_outbox_oldest_unsent_age_seconds')).toBe(4.5);
    expect(sumOf(TEXT, 'ctp_missing')).toBeUndefined();
    expect(maxOf(TEXT, 'ctp_missing')).toBeUndefined();
    expect(samplesOf(TEXT, 'ctp_broken')).toEqual([]);
    expect(sumOf('', 'ctp_outbox_backlog')).toBeUndefined();
  });
});
