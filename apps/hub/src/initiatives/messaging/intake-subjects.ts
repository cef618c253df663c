import { DiscardPolicy, RetentionPolicy, StorageType, StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { DurableConsumers, HubRegion, IntakeSubjects, JetStreamNames } from '@ctp/contracts';
import { ConsumerBinding, nestPacketDecoder } from '@ctp/messaging';

export { IntakeSubjects };
export const INTAKE_STREAM = JetStreamNames.intakeStream;
/** The event type intake messages are handled as (they are commands, not CloudEvents, on the wire). */
export const INTAKE_UPSERT_TYPE = 'ctp.intake.initiative.upsert';

export function intakeStream(replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: INTAKE_STREAM,
    subjects: [IntakeSubjects.anySubmit],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    max_age: nanos(30 * 24 * 3600 * 1000),
    duplicate_window: nanos(120_000),
    // No acknowledgement to the publisher: an emit is fire and forget, and the server would send the PubAck to
    // whatever reply subject a regional system named (e.g. $JS.API.STREAM.PURGE.CTP_INTAKE), past its permissions.
    no_ack: true,
  };
}

export function intakeBinding(region: HubRegion): ConsumerBinding {
  return {
    durable: DurableConsumers.hubIntake(region),
    stream: INTAKE_STREAM,
    filterSubject: IntakeSubjects.submit(region),
    decode: nestPacketDecoder(INTAKE_UPSERT_TYPE, `/ctp/intake/hubs/${region}`),
  };
}
