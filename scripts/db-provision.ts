/**
 * `npm run db:provision` (in the image: `node dist/scripts/db-provision.js`)
 *
 * The deployment step before the services start: as a PostgreSQL administrator, creates one login role per service
 * (no other power) and its database, owned by that role, which alone may connect to it. Safe to run again: it fixes
 * what drifted and otherwise changes nothing. The services then run as their roles, never as a superuser.
 */
import {
  describeStep,
  passwordEnvVar,
  provisioningAdminUrl,
  provisionServiceDatabases,
  redactDatabaseUrl,
  rolePasswordsFromEnv,
  SERVICE_DATABASES,
  ServiceDatabase,
} from '@ctp/persistence';

export function usage(databases: readonly ServiceDatabase[] = SERVICE_DATABASES): string {
  const width = Math.max(...databases.map((d) => passwordEnvVar(d.role).length));
  return [
    'usage: npm run db:provision [-- --help]',
    '',
    'Creates, or brings back to least privilege, one PostgreSQL role per service and the database it owns:',
    '  role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS, database OWNER <role>,',
    '  CONNECT for that role only, every object already in the database owned by it. Idempotent.',
    '',
    'Administrator connection: PGADMIN_URL, else PGHOST, PGPORT, PGUSER, PGPASSWORD',
    '  (default postgres://postgres@127.0.0.1:5432/postgres).',
    'Role passwords (unset: the role keeps its password, or has none, enough on a trust-auth machine):',
    ...databases.map((d) => `  ${passwordEnvVar(d.role).padEnd(width)}  role ${d.role}, database ${d.database}`),
  ].join('\n');
}

/** Runs the step; returns the exit code. Lines go to `out`, never a password. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  databases: readonly ServiceDatabase[] = SERVICE_DATABASES,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(usage(databases));
    return 0;
  }
  if (argv.length) throw new Error(`unknown argument ${JSON.stringify(argv[0])} (see --help)`);
  const adminUrl = provisioningAdminUrl(env);
  out(`provisioning ${databases.length} service databases as ${redactDatabaseUrl(adminUrl)}`);
  const steps = await provisionServiceDatabases(adminUrl, {
    passwords: rolePasswordsFromEnv(env, databases),
    databases,
  });
  for (const step of steps) out(describeStep(step));
  return 0;
}

if (require.main === module) {
  // exitCode, not exit(): whatever is still buffered for stdout gets written.
  main(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      // One line: an AggregateError (every address refused) has an empty message of its own.
      const reasons = err instanceof AggregateError ? err.errors.map((e: Error) => e.message) : [];
      const message = [err.message, ...reasons].filter(Boolean).join('; ') || String(err);
      process.stderr.write(`db:provision: ${message.replace(/\s+/g, ' ')}\n`);
      process.exitCode = 1;
    },
  );
}
