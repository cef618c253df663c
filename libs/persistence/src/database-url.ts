/**
 * Where a service's database lives. `DATABASE_URL` wins; otherwise the standard libpq variables (PGHOST, PGPORT,
 * PGUSER, PGPASSWORD) point every service at the same server, each keeping its own database name there.
 */
export function resolveDatabaseUrl(defaultDatabase: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const url = new URL('postgres://127.0.0.1:5432/');
  url.hostname = env.PGHOST && !env.PGHOST.startsWith('/') ? env.PGHOST : '127.0.0.1';
  url.port = env.PGPORT || '5432';
  url.username = encodeURIComponent(env.PGUSER || 'postgres');
  if (env.PGPASSWORD) url.password = encodeURIComponent(env.PGPASSWORD);
  url.pathname = `/${defaultDatabase}`;
  return url.toString();
}

export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
}

/** The URL with the password hidden, for logs and error messages. */
export function redactDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}
