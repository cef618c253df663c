import {
  AckPolicy,
  ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
  StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { JetStreamNames } from '@ctp/contracts';

export interface StreamTopology {
  eventsStream: string;
  eventsSubjects: string[];
  deadLetterStream: string;
  deadLetterSubjectPrefix: string;
  replicas: number;
  /** Broker-side Nats-Msg-Id dedupe. The inbox covers everything after it. */
  duplicateWindowMs: number;
  /** Streams a service needs besides these two (e.g. a hub's durable intake). */
  extraStreams?: (Partial<StreamConfig> & { name: string })[];
}

export const DEFAULT_TOPOLOGY: StreamTopology = {
  eventsStream: JetStreamNames.eventsStream,
  eventsSubjects: ['ctp.>'],
  deadLetterStream: JetStreamNames.deadLetterStream,
  deadLetterSubjectPrefix: JetStreamNames.deadLetterSubjectPrefix,
  replicas: 1,
  duplicateWindowMs: 120_000,
};

export interface DurableConsumerSpec {
  stream: string;
  durable: string;
  /** nats-server 2.9 takes one filter subject per consumer (filter_subjects is 2.10): one consumer per prefix. */
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending: number;
}

function isNotFound(err: unknown): boolean {
  // 10059 stream not found, 10014 consumer not found.
  return err instanceof JetStreamApiError && (err.status === 404 || err.code === 10059 || err.code === 10014);
}

/**
 * Creates the streams if missing; leaves an existing stream's data alone and only widens what is safe to change.
 * Uses nothing newer than nats-server 2.9 (no subject transforms, no multiple filter subjects, no metadata).
 */
/** Thrown when a stream or consumer a service needs is missing and it may not create it. */
export class MissingJetStreamResource extends Error {}

/** The stream configurations of a topology, as an administrator creates them. */
export function streamConfigs(topology: StreamTopology): (Partial<StreamConfig> & { name: string })[] {
  const events: Partial<StreamConfig> = {
    name: topology.eventsStream,
    subjects: topology.eventsSubjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: topology.replicas,
    duplicate_window: nanos(topology.duplicateWindowMs),
  };
  const deadLetters: Partial<StreamConfig> = {
    name: topology.deadLetterStream,
    subjects: [`${topology.deadLetterSubjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: topology.replicas,
    duplicate_window: nanos(topology.duplicateWindowMs),
  };
  return [events, deadLetters, ...(topology.extraStreams ?? [])] as (Partial<StreamConfig> & { name: string })[];
}

/**
 * Creates the streams if missing (`create`, the default: an administrator, or an anonymous development process);
 * leaves an existing stream's data alone. Without `create` it only checks they exist, and says who must create them.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  topology: StreamTopology,
  options: { create?: boolean } = {},
): Promise<void> {
  for (const config of streamConfigs(topology)) {
    try {
      const info = await jsm.streams.info(config.name);
      // What is safe to change on an existing stream, and matters for security: no PubAcks where none are wanted.
      if (options.create !== false && config.no_ack !== undefined && Boolean(info.config.no_ack) !== config.no_ack) {
        await jsm.streams.update(config.name, { ...info.config, no_ack: config.no_ack });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (options.create === false) {
        throw new MissingJetStreamResource(
          `JetStream stream ${config.name} does not exist and this identity may not create it: run \`npm run nats:provision\` as admin first`,
        );
      }
      try {
        await jsm.streams.add(config);
      } catch (addErr) {
        // Another process created it between our info and add.
        if (!(addErr instanceof JetStreamApiError && addErr.code === 10058)) throw addErr;
      }
    }
  }
}

export function consumerConfig(spec: DurableConsumerSpec): Partial<ConsumerConfig> {
  return {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    // Unlimited at the broker: the server's own max_deliver drops a message silently (an advisory only). Our
    // transport counts deliveries itself and dead-letters the message, with its reason, once past its limit.
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending,
  };
}

/**
 * Creates or updates a durable consumer (an administrator, or an anonymous development process). With `create: false`
 * (a service identity, which may not) it only checks that the consumer exists.
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  spec: DurableConsumerSpec,
  options: { create?: boolean } = {},
): Promise<void> {
  if (options.create === false) {
    try {
      await jsm.consumers.info(spec.stream, spec.durable);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new MissingJetStreamResource(
        `JetStream consumer ${spec.durable} on ${spec.stream} does not exist and this identity may not create it: run \`npm run nats:provision\` as admin first`,
      );
    }
  }
  const config = consumerConfig(spec);
  try {
    await jsm.consumers.info(spec.stream, spec.durable);
    await jsm.consumers.update(spec.stream, spec.durable, {
      ack_wait: config.ack_wait,
      max_deliver: config.max_deliver,
      max_ack_pending: config.max_ack_pending,
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(spec.stream, config);
  }
}
