/**
 * `npm run nats:provision [-- --replicas 3]`: creates the JetStream streams and every service's durable consumers, as
 * `admin` (NATS_NKEY_SEED_FILE etc., or NATS_IDENTITIES_DIR holding `npm run nats:identities` output). Services with
 * an identity may not create them; they only check that they exist. `npm start` runs this first. Safe to run again:
 * existing streams keep their data, existing consumers their position.
 */
import { jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { HUB_REGIONS } from '@ctp/contracts';
import { DEFAULT_SERVER_OPTIONS, DEFAULT_TOPOLOGY, ensureDurableConsumer, ensureStreams } from '@ctp/messaging';
import { EnvReader } from '@ctp/observability';
import { intakeBinding, intakeStream } from '../apps/hub/src/initiatives/messaging/intake-subjects';
import { LIAISON_CONSUMERS } from '../apps/partner-liaison/src/liaison-consumers';
import { connectAdmin } from './admin-nats';
import { exitCodesHelp, HELP_OPTION, main as runMain, parseCommandLine } from './cli';
import { PLATFORM_CONSUMERS } from '../apps/platform/src/platform-consumers';

export interface ProvisionOptions {
  replicas: number;
  /** The platform's CONSUMER_ACK_WAIT_MS (the others use the transport's default). */
  platformAckWaitMs: number;
}

/** Streams and consumers of the whole deployment; returns what it made sure of, one line each. */
export async function provisionJetStream(jsm: JetStreamManager, o: ProvisionOptions): Promise<string[]> {
  const streams = { ...DEFAULT_TOPOLOGY, replicas: o.replicas, extraStreams: [intakeStream(o.replicas)] };
  await ensureStreams(jsm, streams);
  const done = [`streams ${[streams.eventsStream, streams.deadLetterStream, intakeStream(1).name].join(', ')}`];
  const consumers = [
    ...PLATFORM_CONSUMERS.map((c) => ({ ...c, ackWaitMs: o.platformAckWaitMs })),
    ...LIAISON_CONSUMERS.map((c) => ({ ...c, ackWaitMs: DEFAULT_SERVER_OPTIONS.ackWaitMs })),
    ...HUB_REGIONS.map((r) => ({ ...intakeBinding(r), ackWaitMs: DEFAULT_SERVER_OPTIONS.ackWaitMs })),
  ];
  for (const c of consumers) {
    await ensureDurableConsumer(jsm, {
      stream: c.stream ?? streams.eventsStream,
      durable: c.durable,
      filterSubject: c.filterSubject,
      ackWaitMs: c.ackWaitMs,
      maxAckPending: DEFAULT_SERVER_OPTIONS.maxAckPending,
    });
  }
  done.push(`consumers ${consumers.map((c) => c.durable).join(', ')}`);
  return done;
}

export async function provisionFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const r = new EnvReader(env);
  const replicas = r.int('NATS_STREAM_REPLICAS', 1, 1, 5);
  const platformAckWaitMs = r.int('CONSUMER_ACK_WAIT_MS', DEFAULT_SERVER_OPTIONS.ackWaitMs, 1000, 3_600_000);
  r.done('nats:provision');
  const nc = await connectAdmin('nats-provision', env);
  try {
    return await provisionJetStream(await jetstreamManager(nc, { checkAPI: false }), { replicas, platformAckWaitMs });
  } finally {
    await nc.close();
  }
}

export const USAGE = `usage: npm run nats:provision [-- --help]

Creates the JetStream streams (CTP_EVENTS, CTP_DEAD_LETTERS, CTP_INTAKE) and every service's durable consumers, as
admin. Safe to run again: existing streams keep their data, existing consumers their position.

Environment: NATS_URL; NATS_IDENTITIES_DIR (output of npm run nats:identities) or NATS_NKEY_SEED_FILE /
NATS_TLS_CA_FILE / NATS_TLS_CERT_FILE / NATS_TLS_KEY_FILE of the admin identity; NATS_STREAM_REPLICAS (1; 3 on a
three-node cluster); CONSUMER_ACK_WAIT_MS (the platform's, 30000).

Examples:
  npm run nats:provision
  NATS_IDENTITIES_DIR=deploy/nats/identities NATS_URL=nats://127.0.0.1:4223 npm run nats:provision

${exitCodesHelp()}`;

if (require.main === module) {
  runMain('nats:provision', USAGE, async (argv) => {
    parseCommandLine(argv, { options: HELP_OPTION });
    for (const l of await provisionFromEnv()) process.stdout.write(`nats:provision: ${l}: ok\n`);
    return 0;
  });
}
