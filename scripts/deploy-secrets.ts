/**
 * `npm run deploy:secrets`: everything `docker compose up` needs that must never be committed, generated on this
 * machine: the NATS identities (deploy/nats/identities, as seen at /etc/nats/identities in the nats container) and
 * random PostgreSQL passwords in `.env` (read by compose; ignored by git). Running it again keeps what exists.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentities } from '@ctp/messaging';
import { passwordEnvVar, SERVICE_DATABASES } from '@ctp/persistence';

const ROOT = join(__dirname, '../..');

export function composeEnv(existing: string): { text: string; added: string[] } {
  const have = new Set(
    existing
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=/.exec(l)?.[1])
      .filter(Boolean),
  );
  const names = ['POSTGRES_PASSWORD', ...SERVICE_DATABASES.map((d) => passwordEnvVar(d.role))];
  const added = names.filter((n) => !have.has(n));
  const lines = added.map((n) => `${n}=${randomBytes(24).toString('base64url')}`);
  const text = existing && !existing.endsWith('\n') ? `${existing}\n` : existing;
  return { text: text + (lines.length ? `${lines.join('\n')}\n` : ''), added };
}

function main(): void {
  if (process.argv.includes('--help')) {
    process.stdout.write(
      'usage: npm run deploy:secrets\n\nWrites deploy/nats/identities/ (NATS users, seeds, TLS) and random PostgreSQL passwords in .env,\n' +
        'for docker compose. Keeps what already exists. Both are ignored by git.\n',
    );
    return;
  }
  const ids = generateIdentities({
    out: join(ROOT, 'deploy/nats/identities'),
    serverPath: '/etc/nats/identities',
    containerReadable: true,
  });
  process.stdout.write(
    `deploy:secrets: NATS identities in deploy/nats/identities (created ${ids.created.length}, kept ${ids.kept.length})\n`,
  );
  const envFile = join(ROOT, '.env');
  const { text, added } = composeEnv(existsSync(envFile) ? readFileSync(envFile, 'utf8') : '');
  writeFileSync(envFile, text, { mode: 0o600 });
  process.stdout.write(
    `deploy:secrets: .env ${added.length ? `gained ${added.join(', ')}` : 'already has every password'}\n`,
  );
}

main();
