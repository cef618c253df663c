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

const USAGE = `usage: npm run nats:identities -- --out DIR [options]

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
  --help               this text

identities: ${NATS_IDENTITIES.join(', ')}`;

function parse(argv: string[]): {
  out?: string;
  rotate: NatsIdentity[];
  serverPath?: string;
  hosts: string[];
  tls: boolean;
  help: boolean;
} {
  const o = {
    out: undefined as string | undefined,
    rotate: [] as NatsIdentity[],
    serverPath: undefined as string | undefined,
    hosts: [] as string[],
    tls: true,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--out') o.out = value();
    else if (a === '--server-path') o.serverPath = value();
    else if (a === '--host') o.hosts.push(value());
    else if (a === '--no-tls') o.tls = false;
    else if (a === '--rotate') {
      for (const name of value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (!isNatsIdentity(name))
          throw new Error(`--rotate: unknown identity ${JSON.stringify(name)} (one of ${NATS_IDENTITIES.join(', ')})`);
        o.rotate.push(name);
      }
    } else throw new Error(`unknown argument ${JSON.stringify(a)}`);
  }
  return o;
}

function main(): void {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
    if (!args.help && !args.out) throw new Error('--out DIR is required');
  } catch (err) {
    process.stderr.write(`nats:identities: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const r = generateIdentities({
    out: args.out!,
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
}

try {
  main();
} catch (err) {
  process.stderr.write(`nats:identities: ${(err as Error).message}\n`);
  process.exit(1);
}
