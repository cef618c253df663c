/**
 * `npm run nats:identities -- --out DIR [--rotate hub-eur,regional-eur] [--server-path /etc/nats/identities]
 *   [--host nats.example.org]… [--no-tls]`
 *
 * Writes a deployment's NATS identities into DIR: the server's authorization file (public nkeys and each identity's
 * permissions), TLS blocks, one nkey seed per identity and, unless --no-tls, a private CA with the server's and each
 * identity's certificates. Running it again keeps the existing keys; --rotate replaces the named ones. Seeds and keys
 * are secrets: DIR belongs outside the repository, or in a folder git ignores (`.ctp/`, `deploy/nats/identities/`).
 */
import { generateIdentities, isNatsIdentity, NATS_IDENTITIES, NatsIdentity } from '@ctp/messaging';
import { exitCodesHelp, HELP_OPTION, main as runMain, parseCommandLine, UsageError } from './cli';

export const USAGE = `usage: npm run nats:identities -- --out DIR [options]

Writes DIR/authorization.conf, DIR/tls.conf, DIR/cluster-tls.conf (included by deploy/nats/*.conf),
DIR/nkeys/<identity>.nk (secret seeds) and DIR/tls/ (CA, server and client certificates).
Existing keys are kept; the configuration is rewritten.

options:
  --out DIR            where to write (required). The shipped configs include ./identities/ next to them:
                       --out deploy/nats/identities (ignored by git)
  --rotate LIST        comma-separated identities whose seed and certificate are replaced
  --server-path PATH   where nats-server sees DIR (e.g. /etc/nats/identities in a container); default DIR
  --host NAME          another host name or address for the server certificate (repeatable)
  --no-tls             no certificates (bring your own: write the tls { } blocks yourself)
  -h, --help           this text

identities: ${NATS_IDENTITIES.join(', ')}

examples:
  npm run nats:identities -- --out deploy/nats/identities
  npm run nats:identities -- --out deploy/nats/identities --rotate hub-eur,regional-eur
  npm run nats:identities -- --out /srv/nats/identities --server-path /etc/nats/identities --host nats.example.org

${exitCodesHelp('failed', { connects: false })}`;

export interface IdentitiesArgs {
  out: string;
  rotate: NatsIdentity[];
  serverPath?: string;
  hosts: string[];
  tls: boolean;
}

/** The command line, or a UsageError saying what is wrong with it. */
export function parseIdentitiesArgs(argv: readonly string[]): IdentitiesArgs {
  const { values } = parseCommandLine(argv, {
    options: {
      out: { type: 'string' },
      rotate: { type: 'string', multiple: true },
      'server-path': { type: 'string' },
      host: { type: 'string', multiple: true },
      'no-tls': { type: 'boolean' },
      ...HELP_OPTION,
    },
  });
  if (!values.out) throw new UsageError('--out DIR is required');
  const rotate: NatsIdentity[] = [];
  for (const name of (values.rotate ?? [])
    .flatMap((l) => l.split(','))
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!isNatsIdentity(name))
      throw new UsageError(`--rotate: unknown identity ${JSON.stringify(name)} (one of ${NATS_IDENTITIES.join(', ')})`);
    rotate.push(name);
  }
  return {
    out: values.out,
    rotate,
    ...(values['server-path'] ? { serverPath: values['server-path'] } : {}),
    hosts: values.host ?? [],
    tls: values['no-tls'] !== true,
  };
}

function generate(args: IdentitiesArgs): number {
  const r = generateIdentities({
    out: args.out,
    rotate: args.rotate,
    serverPath: args.serverPath,
    hosts: args.hosts,
    tls: args.tls,
  });
  const say = (what: string, list: string[]) => list.length && process.stdout.write(`${what}: ${list.join(', ')}\n`);
  say('created', r.created);
  say('rotated', r.rotated);
  say('kept', r.kept);
  process.stdout.write(
    `wrote ${args.out}/authorization.conf${args.tls ? ', tls.conf, cluster-tls.conf and tls/' : ''}; seeds in ${args.out}/nkeys/ (secret)\n`,
  );
  if (r.rotated.length) {
    process.stdout.write(
      "reload the servers (nats-server --signal reload) and restart the rotated identities' processes with their new seed\n",
    );
  }
  return 0;
}

if (require.main === module) runMain('nats:identities', USAGE, (argv) => generate(parseIdentitiesArgs(argv)));
