/**
 * `npm run deploy:secrets`: everything `docker compose up` needs that must never be committed, generated on this
 * machine: the NATS identities (deploy/nats/identities, as seen at /etc/nats/identities in the nats container), and in
 * `.env` (read by compose; ignored by git) random PostgreSQL passwords, the webhook secrets' encryption key and the
 * development token issuer's settings. Running it again keeps what exists.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentities } from '@ctp/messaging';
import { passwordEnvVar, SERVICE_DATABASES } from '@ctp/persistence';
import { ensureDevIssuer } from '@ctp/auth';
import { DEV_ISSUER_DIR } from './token';
import { exitCodesHelp, HELP_OPTION, main as runMain, parseCommandLine } from './cli';

const ROOT = join(__dirname, '../..');

export function composeEnv(existing: string, fixed: Record<string, string> = {}): { text: string; added: string[] } {
  const have = new Set(
    existing
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=/.exec(l)?.[1])
      .filter(Boolean),
  );
  const password = () => randomBytes(24).toString('base64url');
  const values: Record<string, () => string> = {
    POSTGRES_PASSWORD: password,
    ...Object.fromEntries(SERVICE_DATABASES.map((d) => [passwordEnvVar(d.role), password])),
    WEBHOOK_SECRET_KEY: () => randomBytes(32).toString('base64'),
    ...Object.fromEntries(Object.entries(fixed).map(([k, v]) => [k, () => v])),
  };
  const added = Object.keys(values).filter((n) => !have.has(n));
  const lines = added.map((n) => `${n}=${values[n]()}`);
  const text = existing && !existing.endsWith('\n') ? `${existing}\n` : existing;
  return { text: text + (lines.length ? `${lines.join('\n')}\n` : ''), added };
}

export const USAGE = `usage: npm run deploy:secrets [-- --help]

Writes deploy/nats/identities/ (NATS users, seeds, TLS) and, in .env, random PostgreSQL passwords, the webhook
secrets' key and the development token issuer's settings, for docker compose. Keeps what already exists. Both are
ignored by git.

Example:
  npm run deploy:secrets && docker compose up --build

${exitCodesHelp('failed', { connects: false })}`;

async function main(argv: readonly string[]): Promise<number> {
  parseCommandLine(argv, { options: HELP_OPTION });
  const ids = generateIdentities({
    out: join(ROOT, 'deploy/nats/identities'),
    serverPath: '/etc/nats/identities',
    containerReadable: true,
  });
  process.stdout.write(
    `deploy:secrets: NATS identities in deploy/nats/identities (created ${ids.created.length}, kept ${ids.kept.length})\n`,
  );
  // Tokens: the development issuer (the one `npm run token` signs with), until a site sets its own OIDC provider.
  const issuer = await ensureDevIssuer(DEV_ISSUER_DIR);
  const envFile = join(ROOT, '.env');
  const { text, added } = composeEnv(existsSync(envFile) ? readFileSync(envFile, 'utf8') : '', {
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_FILE: '/etc/ctp/dev-issuer/jwks.json',
  });
  writeFileSync(envFile, text, { mode: 0o600 });
  process.stdout.write(
    `deploy:secrets: .env ${added.length ? `gained ${added.join(', ')}` : 'already has every password'}\n`,
  );
  return 0;
}

if (require.main === module) runMain('deploy:secrets', USAGE, main);
