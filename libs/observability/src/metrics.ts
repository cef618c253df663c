import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  MetricObjectWithValues,
  MetricValue,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

/** Metrics of another part of the process (a worker thread), as prom-client's JSON. */
export type ExternalMetrics = () => Promise<MetricObjectWithValues<MetricValue<string>>[]>;

/** The process's Prometheus registry and the metrics every service shares. */
export class Metrics {
  readonly registry = new Registry();

  readonly eventsHandled = new Counter({
    name: 'ctp_events_handled_total',
    help: 'Consumed events by consumer, event type and outcome (APPLIED, IGNORED, REJECTED, DUPLICATE_DELIVERY, DEAD_LETTERED)',
    labelNames: ['consumer', 'type', 'outcome'],
    registers: [this.registry],
  });

  readonly handlerDuration = new Histogram({
    name: 'ctp_event_batch_duration_seconds',
    help: 'Time to apply one fetched batch of events, from decode to commit',
    labelNames: ['consumer'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'ctp_event_batch_size',
    help: 'Events per fetched batch',
    labelNames: ['consumer'],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
    registers: [this.registry],
  });

  readonly redeliveries = new Counter({
    name: 'ctp_event_redeliveries_total',
    help: 'Messages received with a delivery count above 1',
    labelNames: ['consumer'],
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'ctp_dead_letters_total',
    help: 'Messages moved to the dead-letter stream, by reason',
    labelNames: ['consumer', 'reason'],
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'ctp_consumer_lag',
    help: 'Messages in the stream not yet delivered to (pending) or not yet acknowledged by (ack_pending) the consumer',
    labelNames: ['consumer', 'kind'],
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: 'ctp_outbox_backlog',
    help: 'Outbox rows written but not yet accepted by the broker',
    registers: [this.registry],
  });

  readonly outboxOldestUnsentAge = new Gauge({
    name: 'ctp_outbox_oldest_unsent_age_seconds',
    help: 'Age of the oldest outbox row not yet accepted by the broker, by the database clock (0 when none waits)',
    registers: [this.registry],
  });

  readonly outboxPublished = new Counter({
    name: 'ctp_outbox_published_total',
    help: 'Outbox rows accepted by the broker (duplicate = the broker already had that Nats-Msg-Id)',
    labelNames: ['duplicate'],
    registers: [this.registry],
  });

  readonly outboxPublishFailures = new Counter({
    name: 'ctp_outbox_publish_failures_total',
    help: 'Outbox publishes that got no PubAck (they are retried)',
    registers: [this.registry],
  });

  readonly httpRequests = new Histogram({
    name: 'ctp_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly external: ExternalMetrics[] = [];

  constructor(service: string, labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels({ service, ...labels });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Adds another part's metrics (labelled apart, e.g. by thread) to what `exposition` shows. */
  addExternal(source: ExternalMetrics): void {
    this.external.push(source);
  }

  /** The Prometheus text of this registry and of every external source. */
  async exposition(): Promise<string> {
    if (this.external.length === 0) return this.registry.metrics();
    const parts = await Promise.all([this.registry.getMetricsAsJSON(), ...this.external.map((source) => source())]);
    return AggregatorRegistry.aggregate(parts).metrics();
  }
}
