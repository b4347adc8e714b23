// The informer's loop against a scripted local API server: what it asks for (resourceVersion
// after bookmarks, a relist after 410), and that a server which ends every watch at once does not
// get hammered.
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
    seen.push(`${url.searchParams.get('watch') ? 'watch' : 'list'} rv=${url.searchParams.get('resourceVersion') ?? ''}`);
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
    route = (url, res) => {
      if (!url.searchParams.get('watch')) return res.end(list(lists++ === 0 ? '10' : '30', lists === 1 ? ['a', 'b'] : ['b', 'c']));
      watches++;
      res.writeHead(200);
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
    for (let i = 0; i < 100 && watches < 3; i++) await new Promise((r) => setTimeout(r, 20));
    await inf.stop();
    c.close();
    expect(seen).toEqual(['list rv=', 'watch rv=10', 'watch rv=15', 'list rv=', 'watch rv=30']);
    expect(events).toEqual(['add a', 'add b', 'delete a', 'add c']);
    expect(logs.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['informerRelisted']);
  });

  it('backs off when every watch ends at once', async () => {
    route = (url, res) => {
      if (!url.searchParams.get('watch')) return res.end(list('5', ['a']));
      res.writeHead(200);
      res.end();
    };
    const c = client();
    const inf = new RestartingInformer(c, { name: 'pods', path: '/api/v1/pods' }, createLogger('error'), { backoff: { initialMs: 50, maxMs: 400 } });
    await inf.start();
    await new Promise((r) => setTimeout(r, 1000));
    await inf.stop();
    c.close();
    // Without backoff this would be hundreds; with it (50, 100, 200, 400 ms ceilings) a handful.
    const watches = seen.filter((s) => s.startsWith('watch')).length;
    expect(watches).toBeGreaterThanOrEqual(2);
    expect(watches).toBeLessThan(15);
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
    expect(seen.slice(0, 3)).toEqual(['list rv=', 'watch rv=10', 'list rv=']);

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
