/**
 * `npm run token -- --org IP-HUB-EUR --scope "initiatives:write initiatives:read" [--sub someone] [--ttl 3600]`
 *
 * Prints a bearer token signed by the development issuer (created under .ctp/dev-issuer/ on first use; `npm start`
 * makes every service accept it). For development and tests only: production tokens come from the site's own OIDC
 * provider. The token is the last line of the output: `TOKEN=$(npm run -s token -- --org … --scope …)`.
 */
import { join } from 'node:path';
import { ensureDevIssuer, SCOPES, signToken } from '@ctp/auth';

export const DEV_ISSUER_DIR = join(__dirname, '../..', '.ctp', 'dev-issuer');

const USAGE = `usage: npm run token -- --org ORG --scope "SCOPE [SCOPE…]" [--sub WHO] [--ttl SECONDS]

  --org    IP-HUB-AFR|IP-HUB-MDE|IP-HUB-ASI|IP-HUB-EUR (a hub), IP-GS-CTP (analysts), PT-<CODE> (a partner)
  --scope  space-separated: ${SCOPES.join(' ')}
  --sub    who the token is for (default dev:<org>), recorded with every change
  --ttl    lifetime in seconds (default 3600)

examples:
  npm run -s token -- --org IP-HUB-EUR --scope "initiatives:write initiatives:read"      # a hub system
  npm run -s token -- --org IP-GS-CTP --scope "registry:read-restricted overlaps:decide"  # an analyst
  npm run -s token -- --org PT-UNODC --scope partner                                     # a partner`;

export function parseTokenArgs(argv: string[]): { org: string; scope: string; sub?: string; ttlSec: number } | 'help' {
  const o: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (!['--org', '--scope', '--sub', '--ttl'].includes(a)) throw new Error(`unknown argument ${JSON.stringify(a)}`);
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
    o[a.slice(2)] = v;
  }
  if (!o.org || !/^(IP|PT)-[A-Z0-9-]{2,40}$/.test(o.org))
    throw new Error('--org is required: e.g. IP-HUB-EUR, IP-GS-CTP, PT-UNODC');
  if (!o.scope) throw new Error('--scope is required');
  const unknown = o.scope.split(' ').filter((s) => s && !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown scope ${unknown.join(', ')} (one of ${SCOPES.join(' ')})`);
  const ttlSec = o.ttl ? Number(o.ttl) : 3600;
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > 30 * 86400)
    throw new Error('--ttl must be whole seconds, at most 30 days');
  return { org: o.org, scope: o.scope, sub: o.sub, ttlSec };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseTokenArgs>;
  try {
    args = parseTokenArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`token: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const issuer = await ensureDevIssuer(DEV_ISSUER_DIR);
  process.stdout.write(`${await signToken(issuer, args)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`token: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
