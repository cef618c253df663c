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
import {
  cannotConnect,
  errorText,
  exitCodesHelp,
  HELP_OPTION,
  main as runMain,
  parseCommandLine,
  UnreachableError,
  UsageError,
  wantsHelp,
} from './cli';
import { describePostgresFailure } from './preflight';

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
    '',
    'Examples:',
    '  npm run db:provision',
    '  PGADMIN_URL=postgres://admin@db.internal/postgres CTP_DB_PASSWORD_CTP_PLATFORM=… npm run db:provision',
    '',
    exitCodesHelp('failed: PostgreSQL refused a step (an administrator without CREATEROLE or CREATEDB, say)'),
  ].join('\n');
}

/** Runs the step; returns the exit code. Lines go to `out`, never a password. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  databases: readonly ServiceDatabase[] = SERVICE_DATABASES,
): Promise<number> {
  if (wantsHelp(argv)) {
    out(usage(databases));
    return 0;
  }
  parseCommandLine(argv, { options: HELP_OPTION });
  const adminUrl = provisioningAdminUrl(env);
  out(`provisioning ${databases.length} service databases as ${redactDatabaseUrl(adminUrl)}`);
  const steps = await provisionServiceDatabases(adminUrl, {
    passwords: rolePasswordsFromEnv(env, databases),
    databases,
  });
  for (const step of steps) out(describeStep(step));
  return 0;
}

/**
 * `main` for the command line, failures in one line: PostgreSQL not reachable, the login refused or no such database
 * is exit 3 (cannot connect, as every tool), said as the preflight says it (what to start, which variable to set); any
 * other failure 1; a usage error 2.
 */
export async function provisionCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  databases: readonly ServiceDatabase[] = SERVICE_DATABASES,
): Promise<number> {
  try {
    return await main(argv, env, out, databases);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const described = describePostgresFailure(err, provisioningAdminUrl(env), {
      env,
      loginVariables: 'PGUSER and PGPASSWORD (or PGADMIN_URL)',
      passwordVariable: 'PGPASSWORD (or the password in PGADMIN_URL)',
    });
    // The preflight's reading catches what has no code of its own (no password given: node-postgres's own error).
    if (cannotConnect(err) || described.kind === 'unreachable' || described.kind === 'login-refused')
      throw new UnreachableError(described.message, { cause: err });
    throw new Error(errorText(err));
  }
}

if (require.main === module) {
  runMain('db:provision', usage(), (argv) =>
    provisionCommand(argv, process.env, (line) => process.stdout.write(`${line}\n`)),
  );
}
