// An HTTPS front for the API server, as a load balancer is one: it terminates TLS with the API
// server's own serving certificate (clients verify it against the cluster CA as usual), passes
// every request on with its bearer token, and streams the answer back, watches included. On
// demand it answers 429 Too Many Requests with Retry-After instead, as an overloaded API server
// does (priority and fairness, or a watch cache still initialising after a restart), and
// resets every open connection. For tests of how clients back off; bearer tokens only (a client
// certificate ends at this front).
import { readFileSync } from 'node:fs';
import { request as httpsRequest, createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';

export class ThrottlingFront {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Seconds of Retry-After while throttling; undefined: pass requests on. */
  private retryAfter: number | undefined;
  /** Requests answered 429. */
  throttled = 0;

  private constructor(
    private readonly target: URL,
    private readonly ca: string,
    pkiDir: string,
  ) {
    this.server = createServer({ cert: readFileSync(join(pkiDir, 'apiserver.crt')), key: readFileSync(join(pkiDir, 'apiserver.key')) }, (req, res) => {
      if (this.retryAfter !== undefined) {
        this.throttled++;
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(this.retryAfter) });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'too many requests, please try again later' }));
        return;
      }
      const upstream = httpsRequest(new URL(req.url ?? '/', this.target), { method: req.method, headers: { ...req.headers, host: this.target.host }, ca: this.ca, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** A front for `server` with the test control plane's certificates (in `pkiDir`). */
  static async start(server: string, caPem: string, pkiDir: string): Promise<ThrottlingFront> {
    const front = new ThrottlingFront(new URL(server), caPem, pkiDir);
    await new Promise<void>((resolve, reject) => {
      front.server.once('error', reject);
      front.server.listen(0, '127.0.0.1', () => resolve());
    });
    return front;
  }

  get url(): string {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('front is not listening');
    return `https://127.0.0.1:${addr.port}`;
  }

  /** Answers every request 429 with this Retry-After until pass(). */
  throttle(retryAfterSeconds: number): void {
    this.retryAfter = retryAfterSeconds;
  }

  pass(): void {
    this.retryAfter = undefined;
  }

  /** Resets every open client connection (streams in flight break with ECONNRESET). */
  resetAll(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
