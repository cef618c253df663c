/**
 * `npm run token -- --org IP-HUB-EUR --scope "initiatives:write initiatives:read" [--sub someone] [--ttl 3600]`
 *
 * Prints a bearer token signed by the development issuer (created under .ctp/dev-issuer/ on first use; `npm start`
 * makes every service accept it). For development and tests only: production tokens come from the site's own OIDC
 * provider. The token is the last line of the output: `TOKEN=$(npm run -s token -- --org … --scope …)`.
 */
import { join } from 'node:path';
import { ensureDevIssuer, SCOPES, signToken } from '@ctp/auth';
import { exitCodesHelp, HELP_OPTION, main as runMain, parseCommandLine, UsageError } from './cli';

export const DEV_ISSUER_DIR = join(__dirname, '../..', '.ctp', 'dev-issuer');

export const USAGE = `usage: npm run token -- --org ORG --scope "SCOPE [SCOPE…]" [--sub WHO] [--ttl SECONDS]

  --org    IP-HUB-AFR|IP-HUB-MDE|IP-HUB-ASI|IP-HUB-EUR (a hub), IP-GS-CTP (analysts), PT-<CODE> (a partner)
  --scope  space-separated: ${SCOPES.join(' ')}
  --sub    who the token is for (default dev:<org>), recorded with every change
  --ttl    lifetime in seconds (default 3600)
  -h, --help  this text

examples:
  npm run -s token -- --org IP-HUB-EUR --scope "initiatives:write initiatives:read"      # a hub system
  npm run -s token -- --org IP-GS-CTP --scope "registry:read-restricted overlaps:decide"  # an analyst
  npm run -s token -- --org PT-UNODC --scope partner                                     # a partner

${exitCodesHelp('failed', { connects: false })}`;

/** The command line, or a UsageError saying what is wrong with it. */
export function parseTokenArgs(argv: readonly string[]): { org: string; scope: string; sub?: string; ttlSec: number } {
  const { values: o } = parseCommandLine(argv, {
    options: {
      org: { type: 'string' },
      scope: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string' },
      ...HELP_OPTION,
    },
  });
  if (!o.org || !/^(IP|PT)-[A-Z0-9-]{2,40}$/.test(o.org))
    throw new UsageError('--org is required: e.g. IP-HUB-EUR, IP-GS-CTP, PT-UNODC');
  if (!o.scope) throw new UsageError('--scope is required');
  const unknown = o.scope.split(' ').filter((s) => s && !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`unknown scope ${unknown.join(', ')} (one of ${SCOPES.join(' ')})`);
  const ttlSec = o.ttl ? Number(o.ttl) : 3600;
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > 30 * 86400)
    throw new UsageError('--ttl must be whole seconds, at most 30 days');
  return { org: o.org, scope: o.scope, ...(o.sub ? { sub: o.sub } : {}), ttlSec };
}

if (require.main === module) {
  runMain('token', USAGE, async (argv) => {
    const args = parseTokenArgs(argv);
    const issuer = await ensureDevIssuer(DEV_ISSUER_DIR);
    process.stdout.write(`${await signToken(issuer, args)}\n`);
    return 0;
  });
}
