// The client and the watch against real local servers (a TLS one with a certificate from the
// openssl CLI, and plain HTTP ones that misbehave on purpose): connection reuse, credentials,
// errors, timeouts, and watch streams cut at awkward places.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, apiStatus, describeApiError, TransportError } from './api-error.js';
import { KubeClient } from './client.js';
import { resolveConnection } from './connection.js';
import { watchOnce, type WatchEvent } from './watch.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let dir: string;
let handler: Handler = (_req, res) => res.end('{}');
let tls: HttpServer;
let plain: HttpServer;
let tlsConnections = 0;
const requests: { url: string; auth: string | undefined; method: string; body: string }[] = [];

const listen = async (s: HttpServer): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};
const record: Handler = (req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization, method: req.method ?? '', body });
    handler(req, res);
  });
};

let tlsPort = 0;
let plainPort = 0;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'l2lb-client-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:kubernetes.default'], { stdio: 'ignore' });
  tls = createHttpsServer({ key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) }, record);
  tls.on('secureConnection', () => tlsConnections++);
  plain = createHttpServer(record);
  tlsPort = await listen(tls);
  plainPort = await listen(plain);
});
afterAll(async () => {
  plain.closeAllConnections();
  tls.closeAllConnections();
  await Promise.all([new Promise((r) => tls.close(r)), new Promise((r) => plain.close(r))]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests.length = 0;
  handler = (_req, res) => res.end('{}');
});

const tlsClient = (extra: Partial<Parameters<typeof resolveConnection>[0]> = {}, timeoutMs?: number): KubeClient =>
  new KubeClient(resolveConnection({ server: `https://127.0.0.1:${tlsPort}`, ca: { file: join(dir, 'c') }, insecureSkipTlsVerify: false, token: { value: 'secret' }, ...extra }), { timeoutMs });
const plainClient = (timeoutMs?: number): KubeClient => new KubeClient(resolveConnection({ server: `http://127.0.0.1:${plainPort}/prefix`, insecureSkipTlsVerify: false }), { timeoutMs });

describe('KubeClient', () => {
  it('reuses one TLS connection for sequential calls and sends the bearer token', async () => {
    const c = tlsClient();
    const before = tlsConnections;
    for (let i = 0; i < 5; i++) await c.get('/api/v1/namespaces/x');
    expect(tlsConnections - before).toBe(1);
    expect(requests.map((r) => r.auth)).toEqual(Array(5).fill('Bearer secret'));
    c.close();
  });

  it('verifies the server against the CA, with tls-server-name when given', async () => {
    const wrongName = tlsClient({ tlsServerName: 'other.example' });
    await expect(wrongName.get('/x')).rejects.toThrow(TransportError);
    wrongName.close();
    const rightName = tlsClient({ tlsServerName: 'kubernetes.default' });
    await expect(rightName.get('/x')).resolves.toEqual({});
    rightName.close();
    const noCa = tlsClient({ ca: undefined });
    await expect(noCa.get('/x')).rejects.toThrow(/self-signed|unable to verify/);
    noCa.close();
    const insecure = tlsClient({ ca: undefined, insecureSkipTlsVerify: true });
    await expect(insecure.get('/x')).resolves.toEqual({});
    insecure.close();
  });

  it('re-reads a token file when it is due', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'one');
    const c = new KubeClient(resolveConnection({ server: `http://127.0.0.1:${plainPort}`, insecureSkipTlsVerify: false, token: { file } }, 0));
    await c.get('/a');
    writeFileSync(file, 'two');
    await c.get('/b');
    expect(requests.map((r) => r.auth)).toEqual(['Bearer one', 'Bearer two']);
    c.close();
  });

  it('sends JSON bodies, queries and the server path prefix', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ metadata: { name: 'made' } }));
    const c = plainClient();
    await expect(c.create('/api/v1/namespaces/n/secrets', { metadata: { name: 'ż' } })).resolves.toEqual({ metadata: { name: 'made' } });
    await c.delete('/api/v1/x', { preconditions: { resourceVersion: '3' } });
    await c.get('/api/v1/pods', { labelSelector: 'a=b', limit: 5 });
    expect(requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/prefix/api/v1/namespaces/n/secrets', '{"metadata":{"name":"ż"}}'],
      ['DELETE', '/prefix/api/v1/x', '{"preconditions":{"resourceVersion":"3"}}'],
      ['GET', '/prefix/api/v1/pods?labelSelector=a%3Db&limit=5', ''],
    ]);
    c.close();
  });

  it('turns a non-2xx answer into an ApiError with the server\'s Status', async () => {
    handler = (_req, res) => {
      res.statusCode = 409;
      res.end(JSON.stringify({ kind: 'Status', code: 409, reason: 'Conflict', message: 'the object has been modified' }));
    };
    const c = plainClient();
    const err: unknown = await c.replace('/api/v1/x', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(apiStatus(err)).toBe(409);
    expect(describeApiError(err)).toBe('HTTP 409: the object has been modified');
    c.close();
  });

  it('sends a request again on a fresh connection when a pooled one turns out closed', async () => {
    // Each connection serves one request; a second one on it is reset unanswered, as when the
    // server closed an idle connection just as the client reused it.
    const served = new WeakSet<object>();
    let connections = 0;
    const flaky = createHttpServer((req, res) => {
      if (served.has(req.socket)) return void req.socket.resetAndDestroy();
      served.add(req.socket);
      res.end('{"ok":true}');
    });
    flaky.on('connection', () => connections++);
    const port = await listen(flaky);
    const c = new KubeClient(resolveConnection({ server: `http://127.0.0.1:${port}`, insecureSkipTlsVerify: false }));
    try {
      await expect(c.get('/a')).resolves.toEqual({ ok: true });
      await expect(c.replace('/b', {})).resolves.toEqual({ ok: true });
      expect(connections).toBe(2);
    } finally {
      c.close();
      flaky.closeAllConnections();
      await new Promise((r) => flaky.close(r));
    }
  });

  it('reports a write reset on two pooled connections in a row as a transport failure in doubt', async () => {
    // The server keeps the first request of each connection's answer and resets every later one,
    // as when a restarting server dropped all of them: both attempts of the PUT meet a reset.
    const served = new WeakSet<object>();
    const dropping = createHttpServer((req, res) => {
      if (served.has(req.socket)) return void req.socket.resetAndDestroy();
      served.add(req.socket);
      setTimeout(() => res.end('{}'), 20); // concurrent, so the pool holds two connections
    });
    const port = await listen(dropping);
    const c = new KubeClient(resolveConnection({ server: `http://127.0.0.1:${port}`, insecureSkipTlsVerify: false }));
    try {
      await Promise.all([c.get('/warm1'), c.get('/warm2')]);
      const err: unknown = await c.replace('/svc/status', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).sent).toBe(true);
      expect(describeApiError(err)).toBe('PUT /svc/status: connection reset before an answer, twice on reused connections');
    } finally {
      c.close();
      dropping.closeAllConnections();
      await new Promise((r) => dropping.close(r));
    }
  });

  it('reports a write whose retry after a reset conflicts as in doubt: the first attempt may have been applied', async () => {
    let puts = 0;
    const applying = createHttpServer((req, res) => {
      if (req.method === 'GET') return void res.end('{}');
      // The first PUT is applied, then its connection is reset before the answer; the retry conflicts.
      if (puts++ === 0) return void req.socket.resetAndDestroy();
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 409, reason: 'Conflict', message: 'the object has been modified' }));
    });
    const port = await listen(applying);
    const c = new KubeClient(resolveConnection({ server: `http://127.0.0.1:${port}`, insecureSkipTlsVerify: false }));
    try {
      await c.get('/warm'); // the PUT goes out on a reused connection
      const err: unknown = await c.replace('/svc/status', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).sent).toBe(true);
      expect(describeApiError(err)).toMatch(/first attempt may have been applied/);
    } finally {
      c.close();
      applying.closeAllConnections();
      await new Promise((r) => applying.close(r));
    }
  });

  it('gives up on a call after its deadline, and reports a refused connection, both without a status', async () => {
    handler = () => {}; // never answers
    const slow = plainClient(200);
    const timedOut: unknown = await slow.get('/hang').catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TransportError);
    expect(describeApiError(timedOut)).toBe('GET /hang: no answer within 200 ms');
    expect(apiStatus(timedOut)).toBeUndefined();
    slow.close();
    const closed = createHttpServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const refused = new KubeClient(resolveConnection({ server: `http://127.0.0.1:${port}`, insecureSkipTlsVerify: false }));
    const err: unknown = await refused.get('/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(apiStatus(err)).toBeUndefined();
    expect(describeApiError(err)).toMatch(/ECONNREFUSED/);
  });

  it('bounds one call by its own deadline, abandons it on abort, and refuses it when the guard throws', async () => {
    handler = () => {}; // never answers
    const c = plainClient(30_000);
    const short: unknown = await c.get('/hang', undefined, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(describeApiError(short)).toBe('GET /hang: no answer within 100 ms');
    expect((short as TransportError).sent).toBe(true); // may have reached the server
    const abort = new AbortController();
    const pending = c.replace('/hang', { a: 1 }, { signal: abort.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    const aborted = await pending;
    expect(aborted).toBeInstanceOf(TransportError);
    expect((aborted as TransportError).sent).toBe(true);
    const before = requests.length;
    const refused: unknown = await c.replace('/x', {}, { guard: () => { throw new Error('lease expired'); } }).catch((e: unknown) => e);
    expect(describeApiError(refused)).toBe('PUT /x: lease expired');
    expect((refused as TransportError).sent).toBe(false);
    const preAborted: unknown = await c.replace('/x', {}, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((preAborted as TransportError).sent).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests.length).toBe(before); // neither refused call reached the server
    c.close();
  });
});

describe('through a CONNECT proxy', () => {
  let proxy: HttpServer;
  let proxyPort = 0;
  const tunnels: { target: string; auth: string | undefined }[] = [];
  let refuse = false;
  beforeAll(async () => {
    // A forward proxy as squid is one: CONNECT host:port opens a TCP tunnel, nothing else is seen.
    proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: IncomingMessage, client: import('node:net').Socket, head: Buffer) => {
      tunnels.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
      if (refuse) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      const [host, port] = [(req.url ?? '').replace(/:\d+$/, ''), Number((req.url ?? '').split(':').pop())];
      const upstream = netConnect(port, host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    proxyPort = await listen(proxy);
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
  });
  beforeEach(() => {
    tunnels.length = 0;
    refuse = false;
  });

  it('tunnels TLS end to end (the server certificate is still verified), one tunnel for sequential calls', async () => {
    const c = new KubeClient({ ...resolveConnection({ server: `https://127.0.0.1:${tlsPort}`, ca: { file: join(dir, 'c') }, insecureSkipTlsVerify: false, token: { value: 'secret' }, proxyUrl: `http://user:p%40ss@127.0.0.1:${proxyPort}` }) });
    for (let i = 0; i < 3; i++) await expect(c.get('/api/v1/namespaces/x')).resolves.toEqual({});
    expect(tunnels).toEqual([{ target: `127.0.0.1:${tlsPort}`, auth: `Basic ${Buffer.from('user:p@ss').toString('base64')}` }]);
    expect(requests.map((r) => r.auth)).toEqual(Array(3).fill('Bearer secret'));
    c.close();
    // A wrong CA fails verification through the tunnel just as without it.
    const unverified = new KubeClient(resolveConnection({ server: `https://127.0.0.1:${tlsPort}`, insecureSkipTlsVerify: false, proxyUrl: `http://127.0.0.1:${proxyPort}` }));
    await expect(unverified.get('/x')).rejects.toThrow(/self-signed|unable to verify/);
    unverified.close();
  });

  it('takes HTTPS_PROXY from the environment unless NO_PROXY exempts the server', async () => {
    const env = { HTTPS_PROXY: `127.0.0.1:${proxyPort}` };
    const spec = { server: `https://127.0.0.1:${tlsPort}`, ca: { file: join(dir, 'c') }, insecureSkipTlsVerify: false };
    const proxied = new KubeClient(resolveConnection(spec, undefined, env));
    await proxied.get('/a');
    expect(tunnels).toHaveLength(1);
    proxied.close();
    const direct = new KubeClient(resolveConnection(spec, undefined, { ...env, NO_PROXY: '127.0.0.0/8' }));
    await direct.get('/b');
    expect(tunnels).toHaveLength(1);
    direct.close();
  });

  it('reports a refused tunnel as a transport error naming the proxy', async () => {
    refuse = true;
    const c = new KubeClient(resolveConnection({ server: `https://127.0.0.1:${tlsPort}`, ca: { file: join(dir, 'c') }, insecureSkipTlsVerify: false, proxyUrl: `http://127.0.0.1:${proxyPort}` }));
    const err: unknown = await c.get('/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(describeApiError(err)).toBe(`GET /x: proxy 127.0.0.1:${proxyPort} refused the tunnel to 127.0.0.1:${tlsPort}: HTTP 407 Proxy Authentication Required`);
    c.close();
  });
});

describe('with an exec credential plugin', () => {
  it('sends the plugin\'s token, and after a 401 runs the plugin again and retries once', async () => {
    const script = join(dir, 'plugin');
    writeFileSync(script, `#!/bin/sh\nn=$(( $(cat "$0.count" 2>/dev/null || echo 0) + 1 )); echo $n > "$0.count"\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"tok-'$n'"}}'\n`);
    chmodSync(script, 0o755);
    // tok-1 has been revoked.
    handler = (req, res) => (req.headers.authorization === 'Bearer tok-1' ? res.writeHead(401).end('{"kind":"Status","code":401,"reason":"Unauthorized"}') : res.end('{}'));
    const c = new KubeClient(resolveConnection({ server: `http://127.0.0.1:${plainPort}`, insecureSkipTlsVerify: false, exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: script, args: [], env: {} } }));
    await expect(c.get('/a')).resolves.toEqual({});
    await expect(c.get('/b')).resolves.toEqual({});
    expect(requests.map((r) => `${r.url} ${r.auth}`)).toEqual(['/a Bearer tok-1', '/a Bearer tok-2', '/b Bearer tok-2']);
    // A 401 for the renewed token too is the answer: no loop.
    handler = (_req, res) => res.writeHead(401).end('{"kind":"Status","code":401,"reason":"Unauthorized"}');
    expect(apiStatus(await c.get('/c').catch((e: unknown) => e))).toBe(401);
    expect(readFileSync(`${script}.count`, 'utf8').trim()).toBe('3');
    c.close();
  });
});

describe('watchOnce', () => {
  const lines = (events: object[]): string => events.map((e) => `${JSON.stringify(e)}\n`).join('');
  const added = (name: string, rv: string): object => ({ type: 'ADDED', object: { metadata: { name, resourceVersion: rv } } });

  /** Serves `chunks` with a pause between them, then ends (or resets the connection). */
  const serve = (chunks: string[], end: 'end' | 'reset' | 'hang' = 'end'): void => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const next = (i: number): void => {
        if (i < chunks.length) {
          res.write(chunks[i]);
          setTimeout(() => next(i + 1), 10);
        } else if (end === 'end') res.end();
        else if (end === 'reset') res.socket?.resetAndDestroy();
      };
      next(0);
    };
  };
  const run = async (signal = new AbortController().signal): Promise<{ end: unknown; events: WatchEvent[]; query: string }> => {
    const c = plainClient();
    const events: WatchEvent[] = [];
    const end = await watchOnce(c, '/api/v1/services', { resourceVersion: '7', timeoutSeconds: 300, labelSelector: 'x=y' }, (e) => events.push(e), signal).catch((e: unknown) => e);
    c.close();
    return { end, events, query: requests[0]?.url ?? '' };
  };

  it('asks for a watch with bookmarks from the resourceVersion, and parses events cut mid-line', async () => {
    const text = lines([added('a', '8'), { type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }, added('b', '10')]);
    serve([text.slice(0, 5), text.slice(5, 60), text.slice(60, 61), text.slice(61)]);
    const { end, events, query } = await run();
    expect(query).toBe('/prefix/api/v1/services?watch=1&resourceVersion=7&allowWatchBookmarks=true&timeoutSeconds=300&labelSelector=x%3Dy');
    expect(end).toBe('closed');
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK', 'ADDED']);
  });

  it.each([
    ['an ERROR event with 410', () => serve([lines([added('a', '8'), { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }])], 'hang')],
    ['an HTTP 410 answer', () => (handler = (_req, res) => ((res.statusCode = 410), res.end('{"kind":"Status","code":410}')))],
  ])('ends as expired on %s', async (_what, setUp) => {
    setUp();
    expect((await run()).end).toBe('expired');
  });

  it('rejects on another ERROR event, a broken line, a reset connection', async () => {
    serve([lines([{ type: 'ERROR', object: { kind: 'Status', code: 500, message: 'etcd is sad' } }])], 'hang');
    const failed = (await run()).end;
    expect(failed).toBeInstanceOf(ApiError);
    expect(describeApiError(failed)).toBe('HTTP 500: etcd is sad');
    requests.length = 0;
    serve(['{"type":"ADDED"\n']);
    expect((await run()).end).toBeInstanceOf(TransportError);
    requests.length = 0;
    serve([lines([added('a', '8')])], 'reset');
    const reset = await run();
    expect(reset.end).toBeInstanceOf(TransportError);
    expect(reset.events).toHaveLength(1);
  });

  it('ends as stalled when nothing arrives for idleTimeoutMs, also before the answer; data keeps it alive', async () => {
    const c = plainClient();
    const watch = (idleTimeoutMs: number): Promise<unknown> => watchOnce(c, '/w', { resourceVersion: '7', timeoutSeconds: 300, idleTimeoutMs }, () => {}, new AbortController().signal).catch((e: unknown) => e);
    handler = () => {}; // accepts the request, never answers
    expect(await watch(200)).toBe('stalled');
    // Events every 100 ms for 600 ms, then silence: only the silence ends it.
    handler = (_req, res) => {
      res.writeHead(200);
      let i = 0;
      const tick = setInterval(() => (i++ < 6 ? res.write(lines([added(`a${i}`, `${8 + i}`)])) : clearInterval(tick)), 100);
    };
    const started = Date.now();
    expect(await watch(300)).toBe('stalled');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    c.close();
  });

  it('ends as closed when aborted', async () => {
    serve([lines([added('a', '8')])], 'hang');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    expect((await run(abort.signal)).end).toBe('closed');
  });
});
