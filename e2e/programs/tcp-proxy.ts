// A TCP proxy on 127.0.0.1 between a program and the API server, to cut the program off the way a
// network failure does. TLS passes through untouched. cut() resets every open connection (the
// client sees ECONNRESET) and holds new ones unanswered, as a partition does; restore() forwards
// the held connections and everything after. stall() stops forwarding on the open connections
// without closing them (a peer that froze, a NAT entry dropped: no FIN, no RST, no bytes) while new
// connections work; resume() lets the stalled ones flow again.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class TcpProxy {
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private readonly pairs = new Set<Pair>();
  private stalled: Pair[] = [];
  private held: Socket[] = [];
  private holding = false;
  /** Connections accepted so far (each client connection counts once). */
  accepted = 0;

  private constructor(private target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy is not listening');
    return addr.port;
  }

  /** Resets every open connection and holds new ones until restore(). */
  cut(): void {
    this.holding = true;
    for (const s of this.open) s.resetAndDestroy();
    this.open.clear();
  }

  /** Stops moving bytes on every open connection, leaving both ends open; new connections flow. */
  stall(): void {
    for (const p of this.pairs) {
      p.client.unpipe(p.upstream);
      p.upstream.unpipe(p.client);
      p.client.pause();
      p.upstream.pause();
      this.stalled.push(p);
    }
    this.pairs.clear();
  }

  /** Lets stalled connections that are still open flow again. */
  resume(): void {
    const stalled = this.stalled;
    this.stalled = [];
    for (const p of stalled) {
      if (p.client.destroyed || p.upstream.destroyed) continue;
      this.pairs.add(p);
      p.client.pipe(p.upstream);
      p.upstream.pipe(p.client);
    }
  }

  /** From now on forwards to another server (e.g. an API server restarted on a new port). */
  retarget(target: { host: string; port: number }): void {
    this.target = target;
  }

  restore(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const client of held) if (!client.destroyed) this.forward(client);
  }

  async stop(): Promise<void> {
    for (const s of [...this.open, ...this.held]) s.destroy();
    this.open.clear();
    this.pairs.clear();
    this.stalled = [];
    this.held = [];
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => client.destroy());
    if (this.holding) {
      // Paused, the client's first bytes (the TLS ClientHello) wait in its buffer for restore().
      client.pause();
      this.held.push(client);
      return;
    }
    this.forward(client);
  }

  private forward(client: Socket): void {
    const upstream = createConnection(this.target);
    const pair = { client, upstream };
    this.open.add(client);
    this.open.add(upstream);
    this.pairs.add(pair);
    const close = (): void => {
      this.open.delete(client);
      this.open.delete(upstream);
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    client.on('error', close);
    upstream.on('close', close);
    client.on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
