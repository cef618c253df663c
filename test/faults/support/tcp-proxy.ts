import { createServer, Server, Socket } from 'node:net';

/**
 * What the link does to the bytes that cross it:
 * - `pass`: forwards them as they come;
 * - `slow`: forwards each chunk `latencyMs` after it arrived, in order (a long or congested path);
 * - `reset`: resets every open connection (TCP RST both ways) and every new one at once (a middlebox or peer that
 *   restarted, a firewall that dropped its state);
 * - `black-hole`: accepts connections and data but forwards nothing, as a path whose packets are silently dropped;
 *   on healing, what was held is delivered (TCP's retransmissions getting through), unless a side gave up meanwhile.
 */
export type LinkMode = 'pass' | 'slow' | 'reset' | 'black-hole';

interface Held {
  chunk: Buffer;
  due: number;
}

/** One direction of one proxied connection: chunks held until they are due (slow) or the link heals (black-hole). */
class Direction {
  private readonly queue: Held[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly proxy: TcpProxy,
    private readonly to: Socket,
  ) {}

  push(chunk: Buffer): void {
    this.queue.push({ chunk, due: Date.now() + (this.proxy.mode === 'slow' ? this.proxy.latencyMs : 0) });
    this.pump();
  }

  pump(): void {
    if (this.proxy.mode === 'black-hole' || this.to.destroyed) return;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0].due <= now) {
      const { chunk } = this.queue.shift()!;
      this.proxy.bytesForwarded += chunk.length;
      this.to.write(chunk);
    }
    if (this.queue.length > 0 && !this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.max(1, this.queue[0].due - now),
      );
    }
  }

  clear(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

interface Link {
  client: Socket;
  upstream: Socket;
  directions: Direction[];
}

/**
 * A TCP proxy on a free loopback port in front of one target (nats-server, PostgreSQL), for the fault scenarios: a
 * service given the proxy's address instead of the target's sees a slow, resetting or black-holed link whenever the
 * scenario says (`setMode`). toxiproxy is not packaged here; this does the three faults the scenarios need.
 */
export class TcpProxy {
  mode: LinkMode = 'pass';
  latencyMs = 0;
  /** Connections accepted in all, and reset by the proxy. */
  accepted = 0;
  reset = 0;
  bytesForwarded = 0;
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the proxy has no TCP port');
    const proxy = new TcpProxy(server, address.port, target);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** The proxy's `host:port`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `url` with its host and port replaced by the proxy's (e.g. a DATABASE_URL or a NATS_URL). */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get openConnections(): number {
    return this.links.size;
  }

  setMode(mode: LinkMode, options: { latencyMs?: number } = {}): void {
    this.mode = mode;
    this.latencyMs = options.latencyMs ?? this.latencyMs;
    if (mode === 'reset') {
      for (const link of [...this.links]) this.resetLink(link);
      return;
    }
    // Healing (or slowing): whatever a black hole held goes on now.
    for (const link of this.links) for (const d of link.directions) d.pump();
  }

  /** Back to forwarding as it comes. */
  heal(): void {
    this.setMode('pass');
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) this.dropLink(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    if (this.mode === 'reset') {
      this.reset++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.setNoDelay(true);
    const link: Link = { client, upstream, directions: [new Direction(this, upstream), new Direction(this, client)] };
    this.links.add(link);
    const [toUpstream, toClient] = link.directions;
    client.on('data', (chunk: Buffer) => toUpstream.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    // Either side closing or failing closes the other: what a real path between them would show.
    const end = () => this.dropLink(link);
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    upstream.connect(this.target.port, this.target.host);
  }

  private resetLink(link: Link): void {
    this.reset++;
    this.links.delete(link);
    for (const d of link.directions) d.clear();
    for (const s of [link.client, link.upstream]) {
      if (s.destroyed) continue;
      try {
        s.resetAndDestroy();
      } catch {
        s.destroy(); // not connected yet: nothing to reset
      }
    }
  }

  private dropLink(link: Link): void {
    if (!this.links.delete(link)) return;
    for (const d of link.directions) d.clear();
    link.client.destroy();
    link.upstream.destroy();
  }
}
