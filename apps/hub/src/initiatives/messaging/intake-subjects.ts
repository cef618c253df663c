import { DiscardPolicy, RetentionPolicy, StorageType, StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { HubRegion } from '@ctp/contracts';
import { ConsumerBinding, nestPacketDecoder } from '@ctp/messaging';

/*
 * How regional systems report over NATS. Outside `ctp.>` on purpose: a request on a subject that a stream captures
 * would get the stream's PubAck as its reply, not the hub's answer.
 *
 *  - `send`:  core request/reply on `ctp-intake.hub.<region>.initiatives.upsert`; the reply comes after the commit.
 *  - `emit`:  `ctp-intake.hub.<region>.initiatives.submit`, captured by the CTP_INTAKE stream even while the hub is
 *             down, applied by the hub's durable consumer when it is back.
 */
export const IntakeSubjects = {
  upsert: (region: HubRegion) => `ctp-intake.hub.${region}.initiatives.upsert`,
  submit: (region: HubRegion) => `ctp-intake.hub.${region}.initiatives.submit`,
} as const;

export const INTAKE_STREAM = 'CTP_INTAKE';
/** The event type intake messages are handled as (they are commands, not CloudEvents, on the wire). */
export const INTAKE_UPSERT_TYPE = 'ctp.intake.initiative.upsert';

export function intakeStream(replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: INTAKE_STREAM,
    subjects: ['ctp-intake.hub.*.initiatives.submit'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    max_age: nanos(30 * 24 * 3600 * 1000),
    duplicate_window: nanos(120_000),
  };
}

export function intakeBinding(region: HubRegion): ConsumerBinding {
  return {
    durable: `hub-${region}-intake`,
    stream: INTAKE_STREAM,
    filterSubject: IntakeSubjects.submit(region),
    decode: nestPacketDecoder(INTAKE_UPSERT_TYPE, `/ctp/intake/hubs/${region}`),
  };
}
