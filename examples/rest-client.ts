/**
 * A regional hub system and an analyst over HTTP, each with its own bearer token.
 *
 *   HUB_TOKEN=$(npm run -s token -- --org IP-HUB-EUR --scope "initiatives:write initiatives:read") \
 *   ANALYST_TOKEN=$(npm run -s token -- --org IP-GS-CTP --scope "registry:read-restricted") \
 *   node dist/examples/rest-client.js
 *
 * In production the tokens come from the site's OIDC provider (client credentials for a system, the analyst's own
 * sign-in for a person); the services only need its issuer, audience and keys (AUTH_* settings).
 */
const HUB = process.env.HUB_URL ?? 'http://127.0.0.1:3104';
const PLATFORM = process.env.PLATFORM_URL ?? 'http://127.0.0.1:3000';

function auth(variable: 'HUB_TOKEN' | 'ANALYST_TOKEN'): Record<string, string> {
  const token = process.env[variable];
  if (!token) throw new Error(`${variable} is not set: see the comment at the top of this file`);
  return { authorization: `Bearer ${token}` };
}

async function main(): Promise<void> {
  // The hub system reports (its organisation, IP-HUB-EUR, owns the ids it creates at the eur hub).
  const res = await fetch(`${HUB}/initiatives`, {
    method: 'POST',
    headers: { ...auth('HUB_TOKEN'), 'content-type': 'application/json', 'idempotency-key': 'rest-example-1' },
    body: JSON.stringify({
      localId: 'rest-example-1',
      kind: 'TRN',
      title: { lang: 'en', text: 'Course on electronic evidence for investigators' },
      actionStreams: { primary: 'ONLINE_PRESENCE', secondary: [] },
      status: 'PIPELINE',
      dates: { plannedStart: '2027-06-01', plannedEnd: '2027-06-05' },
      scope: 'NATIONAL',
      recipientCountries: ['FR'],
      visibility: 'PARTNER_SHAREABLE',
    }),
  });
  console.log('hub POST →', res.status, res.status >= 400 ? await res.text() : '');
  // The analyst reads the platform's copy once it has arrived (a fraction of a second).
  for (let i = 0; i < 50; i++) {
    const seen = await fetch(`${PLATFORM}/initiatives/IP-HUB-EUR-rest-example-1`, { headers: auth('ANALYST_TOKEN') });
    if (seen.status === 200) {
      const record = (await seen.json()) as { version: number; source: string };
      console.log('platform GET →', seen.status, `version ${record.version} from ${record.source}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the platform did not show the initiative within 5 s');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
