// The Event recorder's retries against a local HTTP server that fails on purpose: a write that
// may pass later (5xx, 429) is retried with backoff a bounded number of times; a refused one (4xx)
// or one the caller's guard refuses is not retried at all.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../log.js';
import { KubeClient } from './client.js';
import { resolveConnection } from './connection.js';
import { EventRecorder } from './events.js';

let server: Server;
let answers: number[] = [];
let posts = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      const status = answers.shift() ?? 201;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 300 ? '{}' : JSON.stringify({ kind: 'Status', code: status, reason: 'x', message: `status ${status}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  answers = [];
  posts = 0;
});

const target = { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'ns', uid: 'u' };
const recorder = (client: KubeClient, guard?: () => void): EventRecorder =>
  new EventRecorder(client, 'test', 'host', createLogger('error'), guard ? { call: () => ({ guard }) } : {});
const client = (): KubeClient => new KubeClient(resolveConnection({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, insecureSkipTlsVerify: false }));

describe('EventRecorder retries', () => {
  it('retries 5xx and 429 with backoff until the write succeeds', async () => {
    answers = [500, 429];
    const c = client();
    const r = recorder(c);
    await r.event(target, 'Warning', 'AllocationFailed', 'no IPs');
    expect(posts).toBe(3);
    expect(r.stats).toMatchObject({ created: 1, retried: 2, failed: 0 });
    c.close();
  });

  it('gives up after a bounded number of attempts, and does not retry a refusal', async () => {
    answers = Array.from({ length: 9 }, () => 503);
    const c = client();
    const r = recorder(c);
    await r.event(target, 'Warning', 'AllocationFailed', 'no IPs');
    expect(posts).toBe(8);
    expect(r.stats).toMatchObject({ created: 0, retried: 7, failed: 1 });
    answers = [403];
    await r.event(target, 'Warning', 'AllocationFailed', 'other');
    expect(posts).toBe(9);
    expect(r.stats.failed).toBe(2);
    c.close();
  }, 120_000);

  it('never sends what the guard refuses (a controller that lost its Lease)', async () => {
    const c = client();
    const r = recorder(c, () => {
      throw new Error('not the leader');
    });
    await r.event(target, 'Warning', 'AllocationFailed', 'no IPs');
    expect(posts).toBe(0);
    expect(r.stats).toMatchObject({ created: 0, retried: 0, failed: 1 });
    c.close();
  });
});
