import { Socket } from 'node:net';
import { Client } from 'pg';

export const HOW_TO_START = {
  nats: 'start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
  postgres: 'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
};

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect(port, host);
  });
}

/** One line per unreachable dependency, saying how to start it; empty when everything answers. */
export async function preflight(natsUrl: string, postgresUrl: string): Promise<string[]> {
  const problems: string[] = [];
  const natsServers = natsUrl.split(',').map((s) => new URL(s.trim()));
  const natsUp = await Promise.all(natsServers.map((u) => tcpReachable(u.hostname, Number(u.port || 4222), 2000)));
  if (!natsUp.some(Boolean)) {
    problems.push(`NATS is not reachable at ${natsUrl}; ${HOW_TO_START.nats}`);
  }
  const pg = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (err) {
    const where = new URL(postgresUrl);
    problems.push(
      `PostgreSQL is not reachable at ${where.hostname}:${where.port || 5432} as ${where.username || 'postgres'} (${(err as Error).message}); ${HOW_TO_START.postgres}`,
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  return problems;
}

/** The ports among `ports` that something already listens on (another copy of the system, most likely). */
export async function busyPorts(ports: number[]): Promise<number[]> {
  const busy = await Promise.all(ports.map((p) => tcpReachable('127.0.0.1', p, 500)));
  return ports.filter((_, i) => busy[i]);
}
