// A real TLS server (certificate from the openssl CLI, as the test control plane makes its own)
// counts connections while a client-node API client makes several calls.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withKeepAlive } from './keep-alive.js';

let server: Server;
let connections = 0;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'l2lb-keepalive-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) }, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x' } }));
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function kubeConfig(): KubeConfig {
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('not listening');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${addr.port}`, caData: readFileSync(join(dir, 'c')).toString('base64') }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function connectionsFor(kc: KubeConfig): Promise<number> {
  const api = kc.makeApiClient(CoreV1Api);
  const before = connections;
  for (let i = 0; i < 5; i++) await api.readNamespace({ name: 'x' });
  return connections - before;
}

describe('withKeepAlive', () => {
  it('makes sequential API calls share one TLS connection (client-node alone opens one per call)', async () => {
    expect(await connectionsFor(kubeConfig())).toBe(5);
    expect(await connectionsFor(withKeepAlive(kubeConfig()))).toBe(1);
  });
});
