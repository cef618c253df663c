/**
 * A regional hub system reporting over NATS with a stock NestJS ClientProxy (Transport.NATS).
 *
 *   npm run build && HUB_REGION=eur node dist/examples/regional-system-client.js
 *
 * - `send` on ctp-intake.hub.<region>.initiatives.upsert: request/reply; the answer comes once the hub has durably
 *   accepted the change (initiativeId and version), or says what is wrong with it (statusCode, details per field).
 * - `emit` on ctp-intake.hub.<region>.initiatives.submit: fire and forget; the CTP_INTAKE stream keeps it even while
 *   the hub is down, and the hub applies it when it is back.
 * Plain NATS clients may send the same JSON: `{ "pattern": "<subject>", "data": { ... }, "id": "<for replies>" }`.
 *
 * On a secured server the system connects as its own identity `regional-<region>` (files from `npm run
 * nats:identities`): its nkey seed, its client certificate and the CA, and it receives replies under its own inbox
 * prefix `_INBOX.regional-<region>` (the only inbox it may subscribe to):
 *
 *   NATS_NKEY_SEED_FILE=DIR/nkeys/regional-eur.nk NATS_TLS_CA_FILE=DIR/tls/ca.pem \
 *   NATS_TLS_CERT_FILE=DIR/tls/regional-eur.pem NATS_TLS_KEY_FILE=DIR/tls/regional-eur.key \
 *   HUB_REGION=eur node dist/examples/regional-system-client.js
 */
import { readFileSync } from 'node:fs';
import { ClientProxy, ClientProxyFactory, NatsOptions, Transport } from '@nestjs/microservices';
import { nkeyAuthenticator } from 'nats';
import { firstValueFrom, lastValueFrom } from 'rxjs';

const region = process.env.HUB_REGION ?? 'eur';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const UPSERT = `ctp-intake.hub.${region}.initiatives.upsert`;
const SUBMIT = `ctp-intake.hub.${region}.initiatives.submit`;

export const exampleInitiative = {
  localId: 'ftf-workshop-2027',
  kind: 'MTG',
  title: { lang: 'en', text: 'Regional workshop on foreign terrorist fighters travel' },
  actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
  status: 'PIPELINE',
  dates: { plannedStart: '2027-05-10', plannedEnd: '2027-05-12' },
  scope: 'REGIONAL',
  recipientCountries: ['FR', 'BE', 'NL'],
  visibility: 'PARTNER_SHAREABLE',
};

/** The NATS options of a regional system: anonymous on a development server, its own identity on a secured one. */
export function regionalNatsOptions(env: NodeJS.ProcessEnv = process.env): NatsOptions['options'] {
  const options: NatsOptions['options'] = { servers: [env.NATS_URL ?? natsUrl] };
  if (env.NATS_NKEY_SEED_FILE) {
    const seed = readFileSync(env.NATS_NKEY_SEED_FILE, 'utf8').trim();
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
    options.inboxPrefix = `_INBOX.regional-${env.HUB_REGION ?? region}`;
  }
  if (env.NATS_TLS_CA_FILE) {
    options.tls = { caFile: env.NATS_TLS_CA_FILE, certFile: env.NATS_TLS_CERT_FILE, keyFile: env.NATS_TLS_KEY_FILE };
  }
  return options;
}

async function main(): Promise<void> {
  const client: ClientProxy = ClientProxyFactory.create({ transport: Transport.NATS, options: regionalNatsOptions() });
  await client.connect();
  try {
    // 1. Report (or replace) and wait for the hub's answer.
    const accepted = await firstValueFrom(client.send(UPSERT, exampleInitiative));
    console.log('send →', JSON.stringify(accepted));

    // 2. A rejected change: the error names the field and the rule.
    try {
      await firstValueFrom(client.send(UPSERT, { ...exampleInitiative, recipientCountries: ['FR', 'XX'] }));
    } catch (err) {
      console.log('send (invalid) →', JSON.stringify(err));
    }

    // 3. Fire and forget: kept by the broker until the hub applies it.
    await lastValueFrom(client.emit(SUBMIT, { ...exampleInitiative, description: 'Agenda published' }), {
      defaultValue: undefined,
    });
    console.log(`emit → queued on ${SUBMIT}`);
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
