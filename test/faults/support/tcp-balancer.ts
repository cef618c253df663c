import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A round-robin TCP load balancer on a loopback port, in front of the replicas of one service: each new client
 * connection goes to the next backend; a backend that refuses the connection (killed, not started yet) is skipped for
 * the next one, as a balancer's health check would. Connections already open to a backend that dies are reset, and the
 * client's retry lands on a live one. Counts the connections each backend was given, so a scenario can assert that
 * both replicas served.
 */
export class TcpBalancer {
  /** Connections handed to each backend (by port), refused attempts not counted. */
  readonly connections = new Map<number, number>();
  private next = 0;
  private readonly open = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly backends: number[],
  ) {
    for (const b of backends) this.connections.set(b, 0);
  }

  static async start(backendPorts: number[]): Promise<TcpBalancer> {
    const server = createServer();
    const balancer = new TcpBalancer(server, backendPorts);
    server.on('connection', (client) => balancer.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.track(client);
    client.pause();
    const first = this.next++ % this.backends.length;
    const tryBackend = (attempt: number) => {
      if (attempt >= this.backends.length || client.destroyed) {
        client.destroy();
        return;
      }
      const port = this.backends[(first + attempt) % this.backends.length];
      const upstream = createConnection({ host: '127.0.0.1', port });
      const refused = () => tryBackend(attempt + 1);
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        this.track(upstream);
        this.connections.set(port, (this.connections.get(port) ?? 0) + 1);
        // Either side closing or failing ends both: a reset from a killed backend reaches the client as a reset.
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    client.on('error', () => undefined);
    tryBackend(0);
  }

  private track(s: Socket): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }
}
