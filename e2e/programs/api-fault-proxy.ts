// An HTTPS proxy between a program and the API server that sees each request (it terminates TLS
// with the API server's own serving certificate, valid for 127.0.0.1, and forwards with the
// program's own Authorization header), so a test can fault exactly the calls it means:
// - 'stall': hold the request unforwarded until release(); a request whose client gave up meanwhile
//   is dropped, never forwarded (as a packet lost with the connection that carried it);
// - 'cutResponse': forward it, let the server apply it, then reset the client's connection
//   instead of answering (a write that succeeded but whose answer never came).
// - 'forbid': answer 403 Forbidden without forwarding (an API server whose RBAC is not loaded yet);
// - cutWatches(pathPart): end the open watches on matching paths (their informers must relist);
// - holdEventsOf(name): watch events about objects of that name are held back (in order) until
//   holdEventsOf(undefined), while every other event streams through: a watch that lags for one
//   object only.
// Everything else streams through untouched.
import { request as httpsRequest, createServer, Agent, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestenvInfo } from '../testenv/jest-info.js';

export type FaultAction = 'pass' | 'stall' | 'cutResponse' | 'forbid';
export type FaultRule = (method: string, path: string) => FaultAction;

export interface ProxiedCall {
  readonly method: string;
  readonly path: string;
  readonly action: FaultAction;
  /** For cutResponse: the status the server answered (the client never saw it). */
  status?: number;
  /** Wall-clock ms when the request was forwarded (undefined: never). */
  forwardedAt?: number;
}

export class ApiFaultProxy {
  readonly calls: ProxiedCall[] = [];
  rule: FaultRule = () => 'pass';
  private readonly server: Server;
  private readonly agent: Agent;
  private readonly target: URL;
  private stalled: (() => void)[] = [];
  private holding: string | undefined;
  private readonly watches = new Set<{ path: string; res: ServerResponse }>();
  private readonly held: { line: string; res: ServerResponse }[] = [];

  private constructor(info: TestenvInfo) {
    this.target = new URL(info.server);
    this.agent = new Agent({ keepAlive: true, ca: info.caPem });
    this.server = createServer({ cert: readFileSync(join(info.dir, 'apiserver.crt')), key: readFileSync(join(info.dir, 'apiserver.key')) }, (req, res) => this.handle(req, res));
  }

  static async start(info: TestenvInfo): Promise<ApiFaultProxy> {
    const p = new ApiFaultProxy(info);
    await new Promise<void>((resolve, reject) => {
      p.server.once('error', reject);
      p.server.listen(0, '127.0.0.1', () => resolve());
    });
    return p;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Holds back watch events about objects named `name` (undefined: sends what was held, in order). */
  holdEventsOf(name: string | undefined): void {
    this.holding = name;
    if (name !== undefined) return;
    for (const h of this.held.splice(0)) if (!h.res.destroyed) h.res.write(h.line);
  }

  /** Resets the open watches whose path contains `pathPart`. */
  cutWatches(pathPart: string): number {
    let n = 0;
    for (const w of this.watches) {
      if (!w.path.includes(pathPart)) continue;
      w.res.socket?.destroy();
      this.watches.delete(w);
      n++;
    }
    return n;
  }

  /** Forwards every stalled request whose client is still waiting. */
  release(): void {
    const s = this.stalled;
    this.stalled = [];
    for (const go of s) go();
  }

  async stop(): Promise<void> {
    this.stalled = [];
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const action = this.rule(method, path);
    const call: ProxiedCall = { method, path, action };
    this.calls.push(call);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = (): void => {
        if (res.destroyed || req.socket.destroyed) return; // the client gave up: lost with its connection
        call.forwardedAt = Date.now();
        const headers = { ...req.headers, host: this.target.host };
        const up = httpsRequest({ hostname: this.target.hostname, port: this.target.port, path: req.url, method, headers, agent: this.agent }, (upRes) => {
          call.status = upRes.statusCode;
          if (action === 'cutResponse') {
            upRes.resume();
            res.socket?.destroy();
            return;
          }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          res.on('close', () => upRes.destroy());
          if (!(req.url ?? '').includes('watch=')) return void upRes.pipe(res);
          const w = { path, res };
          this.watches.add(w);
          res.on('close', () => this.watches.delete(w));
          this.streamWatch(upRes, res);
        });
        up.on('error', () => res.socket?.destroy());
        up.end(Buffer.concat(chunks));
      };
      if (action === 'stall') this.stalled.push(forward);
      else if (action === 'forbid') {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: `${method} ${path} is forbidden (test proxy: RBAC not loaded)` }));
      } else forward();
    });
  }

  /** A watch stream, line by line, holding back the events of the object named in holdEventsOf. */
  private streamWatch(upRes: IncomingMessage, res: ServerResponse): void {
    let partial = '';
    upRes.setEncoding('utf8');
    upRes.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const line = `${l}\n`;
        const name = (JSON.parse(l) as { object?: { metadata?: { name?: string } } }).object?.metadata?.name;
        if (this.holding !== undefined && name === this.holding) this.held.push({ line, res });
        else res.write(line);
      }
    });
    upRes.on('end', () => res.end(partial));
    upRes.on('error', () => res.destroy());
  }
}
