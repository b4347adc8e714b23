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
    expect(seen).toEqual(['list rv=', 'watch rv=10', 'watch rv=15', 'list rv=', 'watch rv=30']);
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
});
