// The informer's loop against a scripted local API server: what it asks for (resourceVersion
// after bookmarks, lists from the watch cache, a relist after 410 but a resumed watch after a 429
// or a silent connection), that a server which ends every watch at once does not get hammered,
// what it logs before the first sync, and that a throwing handler costs nothing but a log line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../log.js';
import { KubeClient } from './client.js';
import { resolveConnection } from './connection.js';
import { RestartingInformer } from './informer.js';

type Route = (url: URL, res: ServerResponse) => void;
let server: Server;
let route: Route;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = url.searchParams.get('resourceVersionMatch');
    seen.push(`${url.searchParams.get('watch') ? 'watch' : 'list'} rv=${url.searchParams.get('resourceVersion') ?? ''}${match ? ` ${match}` : ''}`);
    route(url, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => (seen.length = 0));

const client = (): KubeClient => new KubeClient(resolveConnection({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, insecureSkipTlsVerify: false }));
const list = (rv: string, names: string[]): string => JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: rv }, items: names.map((name) => ({ metadata: { name, namespace: 'n', resourceVersion: `${name.charCodeAt(0)}` } })) });
const line = (type: string, object: object): string => `${JSON.stringify({ type, object })}\n`;

describe('RestartingInformer loop', () => {
  it('resumes from bookmarks, relists on a 410 ERROR event and reports what the relist changed', async () => {
    let lists = 0;
    let watches = 0;
    let thirdWatch!: () => void;
    const watchingAfterRelist = new Promise<void>((r) => (thirdWatch = r));
    route = (url, res) => {
      if (!url.searchParams.get('watch')) return res.end(list(lists++ === 0 ? '10' : '30', lists === 1 ? ['a', 'b'] : ['b', 'c']));
      watches++;
      res.writeHead(200);
      if (watches === 3) thirdWatch();
      if (watches === 1) return res.end(line('BOOKMARK', { metadata: { resourceVersion: '15' } }));
      if (watches === 2) return res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired' }));
      // After the relist: stay open until the client goes away.
    };
    const logs: string[] = [];
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/pods' }, createLogger('info', {}, (l) => logs.push(l)), { backoff: { initialMs: 10, maxMs: 20 } });
    const events: string[] = [];
    inf.on((e, o) => events.push(`${e} ${o.metadata?.name}`));
    await inf.start();
    await watchingAfterRelist;
    await inf.stop();
    c.close();
    // The first list from the watch cache (any version); the relist not older than what was seen.
    expect(seen).toEqual(['list rv=0', 'watch rv=10', 'watch rv=15', 'list rv=15 NotOlderThan', 'watch rv=30']);
    expect(events).toEqual(['add a', 'add b', 'delete a', 'add c']);
    expect(logs.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['informerRelisted']);
  });

  it('backs off when every watch ends at once', async () => {
    const watchTimes: number[] = [];
    let fifthWatch!: () => void;
    const fiveWatches = new Promise<void>((r) => (fifthWatch = r));
    route = (url, res) => {
      if (!url.searchParams.get('watch')) return res.end(list('5', ['a']));
      if (watchTimes.push(performance.now()) === 5) fifthWatch();
      res.writeHead(200);
      res.end();
    };
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/pods' }, createLogger('error'), { backoff: { initialMs: 50, maxMs: 400 } });
    await inf.start();
    await fiveWatches;
    await inf.stop();
    c.close();
    // Without backoff the five would come within a few ms; with it each retry waits at least
    // half the initial delay (full jitter under 50, 100, 200, 400 ms ceilings).
    for (let i = 1; i < 5; i++) expect(watchTimes[i]! - watchTimes[i - 1]!).toBeGreaterThanOrEqual(25 - 1);
    expect(seen.filter((s) => s.startsWith('list'))).toHaveLength(1);
  });

  it('relistNow ends an open watch and a failing backoff, and answers only after a list that started after it', async () => {
    let lists = 0;
    let failLists = false;
    route = (url, res) => {
      if (!url.searchParams.get('watch')) {
        lists++;
        if (failLists) {
          res.writeHead(403);
          return res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'RBAC not loaded' }));
        }
        return res.end(list(String(lists * 10), lists === 1 ? ['a'] : ['a', 'b']));
      }
      res.writeHead(200); // stays open
    };
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/pods' }, createLogger('error'), { backoff: { initialMs: 5_000, maxMs: 5_000 } });
    await inf.start();
    try {
    expect(inf.healthy).toBe(true);
    for (let i = 0; i < 200 && !seen.includes('watch rv=10'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await inf.relistNow()).toBe(true);
    expect(inf.list().map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(seen.slice(0, 3)).toEqual(['list rv=0', 'watch rv=10', 'list rv=']); // the proof is a consistent read, not the watch cache

    // Lists fail (403): the informer is unhealthy and a relistNow() stays unanswered, backoff or not.
    failLists = true;
    let answered = false;
    const proof = inf.relistNow().then((v) => ((answered = true), v));
    for (let i = 0; i < 100 && inf.healthy; i++) await new Promise((r) => setTimeout(r, 10));
    expect(inf.healthy).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    failLists = false;
    const started = Date.now();
    expect(await inf.relistNow()).toBe(true); // cuts the 5 s backoff short
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await proof).toBe(true);
    expect(inf.healthy).toBe(true);
    } finally {
      await inf.stop();
      c.close();
    }
  });
});

describe('RestartingInformer recovery', () => {
  const parse = (logs: string[]): Record<string, unknown>[] => logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 250; i++) {
      if (check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('resumes the watch after a 429, no sooner than its Retry-After, without listing again', async () => {
    let watches = 0;
    const watchAt: number[] = [];
    route = (url, res) => {
      if (!url.searchParams.get('watch')) return res.end(list('10', ['a']));
      watchAt.push(Date.now());
      if (++watches === 1) {
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'too many requests' }));
      }
      res.writeHead(200);
      res.write(line('ADDED', { metadata: { name: 'b', namespace: 'n', resourceVersion: '11' } }));
    };
    const logs: string[] = [];
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/pods' }, createLogger('info', {}, (l) => logs.push(l)), { backoff: { initialMs: 10, maxMs: 20 } });
    await inf.start();
    await until(() => inf.get('b', 'n') !== undefined, 'the watch after the 429');
    await inf.stop();
    c.close();
    expect(seen).toEqual(['list rv=0', 'watch rv=10', 'watch rv=10']);
    // The backoff alone would be 10-20 ms; Retry-After says a second.
    expect(watchAt[1]! - watchAt[0]!).toBeGreaterThanOrEqual(1000);
    expect(parse(logs).map((l) => [l['event'], l['status'], l['relist']])).toEqual([['informerError', 429, false]]);
    expect([inf.restarts, inf.relists]).toEqual([1, 0]);
  });

  it('abandons a watch that goes silent past its watchdog and resumes it from the last resourceVersion', async () => {
    let watches = 0;
    route = (url, res) => {
      if (!url.searchParams.get('watch')) return res.end(list('10', ['a']));
      res.writeHead(200);
      // The first watch delivers one event, then nothing at all, without closing: a dead peer.
      if (++watches === 1) res.write(line('ADDED', { metadata: { name: 'b', namespace: 'n', resourceVersion: '12' } }));
      else res.write(line('BOOKMARK', { metadata: { resourceVersion: '13' } }));
    };
    const logs: string[] = [];
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/pods' }, createLogger('info', {}, (l) => logs.push(l)), { watchIdleTimeoutMs: 300 });
    await inf.start();
    await until(() => watches >= 2, 'a second watch');
    await inf.stop();
    c.close();
    expect(seen).toEqual(['list rv=0', 'watch rv=10', 'watch rv=12']);
    expect(parse(logs).map((l) => l['event'])).toEqual(['watchStalled']);
    expect([inf.stalls, inf.relists, inf.restarts]).toEqual([1, 0, 0]);
  });

  it('before the first sync, logs each distinct error once and names the permission a 403 lacks', async () => {
    let lists = 0;
    route = (url, res) => {
      if (url.searchParams.get('watch')) {
        res.writeHead(200);
        return;
      }
      lists++;
      if (lists <= 3) {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "n"' }));
      }
      if (lists <= 5) {
        res.writeHead(500);
        return res.end('boom');
      }
      res.end(list('10', ['a']));
    };
    const logs: string[] = [];
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/namespaces/n/pods' }, createLogger('info', {}, (l) => logs.push(l)), { backoff: { initialMs: 5, maxMs: 10 } });
    await inf.start();
    await inf.stop();
    c.close();
    expect(lists).toBe(6);
    const lines = parse(logs);
    expect(lines.map((l) => [l['event'], l['verb'], l['status']])).toEqual([
      ['informerNotSynced', 'list', 403],
      ['informerNotSynced', 'list', 500],
    ]);
    expect(lines[0]!['missingPermission']).toBe('list pods in namespace n');
    expect(lines[0]!['msg']).toContain('forbidden to list pods in namespace n');
  });

  it('logs and counts a throwing handler, still calls the others, and neither lists again nor restarts', async () => {
    route = (url, res) => {
      if (!url.searchParams.get('watch')) return res.end(list('10', ['a']));
      res.writeHead(200);
      res.write(line('ADDED', { metadata: { name: 'b', namespace: 'n', resourceVersion: '11' } }));
      res.write(line('ADDED', { metadata: { name: 'c', namespace: 'n', resourceVersion: '12' } }));
    };
    const logs: string[] = [];
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/pods' }, createLogger('info', {}, (l) => logs.push(l)));
    const after: string[] = [];
    inf.on((_e, o) => {
      if (o.metadata?.name !== 'c') throw new Error(`cannot handle ${o.metadata?.name}`);
    });
    inf.on((e, o) => after.push(`${e} ${o.metadata?.name}`));
    await inf.start();
    await until(() => after.length === 3, 'three events');
    await inf.stop();
    c.close();
    expect(after).toEqual(['add a', 'add b', 'add c']);
    expect(seen).toEqual(['list rv=0', 'watch rv=10']);
    expect(parse(logs).map((l) => [l['event'], l['object'], l['error']])).toEqual([
      ['informerHandlerFailed', 'n/a', 'cannot handle a'],
      ['informerHandlerFailed', 'n/b', 'cannot handle b'],
    ]);
    expect([inf.handlerErrors, inf.restarts, inf.relists]).toEqual([2, 0, 0]);
  });
});
