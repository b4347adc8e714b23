// The in-house client against the real kube-apiserver: kubeconfig and in-cluster set-up, paged
// lists, the API's own error answers, token rotation, and the informer through watch expiry
// (410 Gone after etcd compaction, from a second API server without a watch cache) and through a
// network cut (the watch resumes where it stopped; what changed meanwhile arrives as events).
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServerReplica, type ApiServerReplica } from '../../e2e/programs/apiserver-replica.js';
import { TcpProxy } from '../../e2e/programs/tcp-proxy.js';
import { testenvFromJest } from '../../e2e/testenv/jest-info.js';
import { ensureNamespace } from '../../e2e/testenv/namespaces.js';
import { waitFor } from '../../e2e/testenv/wait.js';
import { createLogger } from '../log.js';
import { ApiError, apiStatus, describeApiError } from './api-error.js';
import { KubeClient, loadKubeClient } from './client.js';
import { resolveConnection } from './connection.js';
import { inClusterConnection } from './in-cluster.js';
import { RestartingInformer, type InformerEvent } from './informer.js';
import { connectionFromKubeconfig } from './kubeconfig.js';
import { listAll } from './list.js';
import { resourcePath } from './url.js';

const info = testenvFromJest();
const until = (what: string, check: () => boolean, timeoutMs: number): Promise<void> => waitFor(what, () => Promise.resolve(check()), { timeoutMs, intervalMs: 50 });
const NS = 'k8s-client-int';
const configMaps = (namespace = NS): string => resourcePath({ version: 'v1', namespace, plural: 'configmaps' });
const configMap = (name: string, namespace = NS): string => resourcePath({ version: 'v1', namespace, plural: 'configmaps', name });
const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = { informer: 'yes' }): V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

let dir: string;
let admin: KubeClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'l2lb-client-int-'));
  admin = loadKubeClient(info.adminKubeconfigPath);
  await ensureNamespace(admin, NS);
});
afterAll(async () => {
  await admin.delete(`/api/v1/namespaces/${NS}`).catch(() => undefined);
  admin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Counts the GETs a client makes (the pages of a list). */
class CountingClient extends KubeClient {
  gets = 0;
  override get<T>(path: string, query?: Parameters<KubeClient['get']>[1]): Promise<T> {
    this.gets++;
    return super.get<T>(path, query);
  }
}

describe('set-up from a kubeconfig and in-cluster', () => {
  it('reads the admin kubeconfig (client certificate) and a ServiceAccount one (token)', async () => {
    expect((await admin.get<{ kind: string }>('/api/v1/namespaces/default')).kind).toBe('Namespace');
    const file = join(dir, 'sa.kubeconfig');
    writeFileSync(file, await info.serviceAccountKubeconfigText(NS, 'reader'));
    const sa = loadKubeClient(file);
    // Authenticated (as the ServiceAccount), so the answer is 403, not 401.
    const err: unknown = await sa.get('/api/v1/nodes').catch((e: unknown) => e);
    expect(apiStatus(err)).toBe(403);
    expect(describeApiError(err)).toContain(`"system:serviceaccount:${NS}:reader" cannot list resource "nodes"`);
    sa.close();
  });

  it('connects in-cluster style: KUBERNETES_SERVICE_HOST/PORT, the mounted token and CA', async () => {
    const sa = load(await info.serviceAccountKubeconfigText(NS, 'reader')) as { users: { user: { token: string } }[] };
    const mount = join(dir, 'serviceaccount');
    mkdirSync(mount, { recursive: true });
    writeFileSync(join(mount, 'token'), sa.users[0]!.user.token);
    writeFileSync(join(mount, 'ca.crt'), info.caPem);
    const url = new URL(info.server);
    const client = new KubeClient(resolveConnection(inClusterConnection({ KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }, mount)));
    // Any authenticated identity may read /version.
    expect(await client.get<{ major: string }>('/version')).toHaveProperty('major');
    expect(apiStatus(await client.get('/api/v1/nodes').catch((e: unknown) => e))).toBe(403);
    client.close();
  });

  it('re-reads a rotated token file', async () => {
    const text = await info.serviceAccountKubeconfigText(NS, 'rotating');
    const doc = load(text) as { users: { user: Record<string, unknown> }[] };
    const token = doc.users[0]!.user['token'] as string;
    const tokenFile = join(dir, 'rotating-token');
    writeFileSync(tokenFile, 'not-a-valid-token');
    delete doc.users[0]!.user['token'];
    doc.users[0]!.user['tokenFile'] = tokenFile;
    const client = new KubeClient(resolveConnection(connectionFromKubeconfig(doc, dir), 200));
    expect(apiStatus(await client.get('/api/v1/nodes').catch((e: unknown) => e))).toBe(401);
    writeFileSync(tokenFile, token);
    // Within the refresh period the old token is still used; after it, the new one.
    expect(apiStatus(await client.get('/api/v1/nodes').catch((e: unknown) => e))).toBe(401);
    // 403 (authenticated, not allowed to list nodes) once the file is read again.
    await waitFor('the new token in use', async () => apiStatus(await client.get('/api/v1/nodes').catch((e: unknown) => e)) === 403, { timeoutMs: 5_000, intervalMs: 50 });
    client.close();
  });
});

describe('API answers', () => {
  it('404 for a missing object, 409 for a duplicate create and for a stale resourceVersion', async () => {
    const missing: unknown = await admin.get(configMap('nope')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect([apiStatus(missing), (missing as ApiError).reason]).toEqual([404, 'NotFound']);
    expect(describeApiError(missing)).toBe('HTTP 404: configmaps "nope" not found');

    const created = await admin.create<V1ConfigMap>(configMaps(), cm('dup', { v: '1' }, {}));
    const dup: unknown = await admin.create(configMaps(), cm('dup', {}, {})).catch((e: unknown) => e);
    expect([apiStatus(dup), (dup as ApiError).reason]).toEqual([409, 'AlreadyExists']);

    await admin.replace(configMap('dup'), { ...created, data: { v: '2' } });
    const stale: unknown = await admin.replace(configMap('dup'), { ...created, data: { v: '3' } }).catch((e: unknown) => e);
    expect([apiStatus(stale), (stale as ApiError).reason]).toEqual([409, 'Conflict']);
    expect(describeApiError(stale)).toContain('the object has been modified');

    // DELETE with a precondition, as the speaker deletes ServiceL2Status objects.
    const wrongRv: unknown = await admin.delete(configMap('dup'), { preconditions: { resourceVersion: created.metadata!.resourceVersion } }).catch((e: unknown) => e);
    expect(apiStatus(wrongRv)).toBe(409);
    await admin.delete(configMap('dup'));
    expect(apiStatus(await admin.delete(configMap('dup')).catch((e: unknown) => e))).toBe(404);
  });
});

describe('listAll', () => {
  it('reads every page and fills in apiVersion/kind', async () => {
    const ns = `${NS}-paging`;
    await admin.create('/api/v1/namespaces', { metadata: { name: ns } });
    try {
      for (let i = 0; i < 23; i++) await admin.create(configMaps(ns), cm(`c-${String(i).padStart(2, '0')}`, {}, { page: 'yes' }));
      const client = new CountingClient(admin.connection);
      const all = await listAll<V1ConfigMap>(client, configMaps(ns), { limit: 5, labelSelector: 'page=yes' });
      expect(client.gets).toBe(5);
      expect(all.items.map((c) => c.metadata?.name)).toEqual(Array.from({ length: 23 }, (_, i) => `c-${String(i).padStart(2, '0')}`));
      expect(all.items.every((c) => c.kind === 'ConfigMap' && c.apiVersion === 'v1')).toBe(true);
      expect(Number(all.resourceVersion)).toBeGreaterThan(0);
      client.close();
    } finally {
      await admin.delete(`/api/v1/namespaces/${ns}`);
    }
  });
});

describe('RestartingInformer', () => {
  let replica: ApiServerReplica | undefined;
  let proxy: TcpProxy | undefined;
  const logs: { event: string; informer?: string }[] = [];
  const log = createLogger('debug', {}, (line) => logs.push(JSON.parse(line) as { event: string }));

  beforeAll(async () => {
    // Watches served from etcd itself (no watch cache hiding compaction): a watch from a
    // compacted revision gets 410 Gone.
    replica = await startApiServerReplica(info, ['--watch-cache=false']);
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(replica.server).port) });
  }, 100_000); // the replica may take two 30 s attempts
  afterAll(async () => {
    await proxy?.stop();
    await replica?.stop();
  });

  const etcd = async (path: string, body: unknown): Promise<{ header: { revision: string } }> => {
    const res = await fetch(`${info.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}`);
    return (await res.json()) as { header: { revision: string } };
  };
  const compact = async (): Promise<void> => {
    const { revision } = (await etcd('/v3/kv/range', { key: Buffer.from('compact_rev_key').toString('base64') })).header;
    await etcd('/v3/kv/compaction', { revision, physical: true });
  };

  /** An informer on this test's labelled ConfigMaps through `server`, recording its events. */
  const informerVia = (server: string, watchTimeoutSeconds: number) => {
    const client = new KubeClient({ ...admin.connection, server });
    const informer = new RestartingInformer<V1ConfigMap & KubernetesObject>(
      client,
      { name: 'configmaps', path: configMaps(), labelSelector: 'informer=yes' },
      log,
      { watchTimeoutSeconds: () => watchTimeoutSeconds, backoff: { initialMs: 50, maxMs: 500 }, pageSize: 2 },
    );
    const events: string[] = [];
    informer.on((e: InformerEvent, o) => events.push(`${e} ${o.metadata?.name}:${o.data?.['v'] ?? ''}`));
    return { client, informer, events };
  };

  it('delivers adds, updates and deletes, and serves list/get from its cache', async () => {
    await admin.create(configMaps(), cm('w-a', { v: '1' }));
    const { client, informer, events } = informerVia(info.server, 300);
    await informer.start();
    expect(informer.hasSynced).toBe(true);
    expect(events).toEqual(['add w-a:1']);
    const b = await admin.create<V1ConfigMap>(configMaps(), cm('w-b', { v: '1' }));
    await admin.replace(configMap('w-b'), { ...b, data: { v: '2' } });
    await admin.delete(configMap('w-a'));
    await admin.create(configMaps(), cm('unlabelled', {}, {}));
    await until('watch events', () => events.length >= 4, 10_000);
    expect(events).toEqual(['add w-a:1', 'add w-b:1', 'update w-b:2', 'delete w-a:1']);
    expect(informer.get('w-b', NS)?.data).toEqual({ v: '2' });
    expect(informer.get('w-b', NS)?.metadata?.managedFields).toBeUndefined();
    expect(informer.list(NS).map((o) => o.metadata?.name)).toEqual(['w-b']);
    await informer.stop();
    client.close();
    await admin.delete(configMap('w-b'));
    await admin.delete(configMap('unlabelled'));
  });

  it('applies its transform to listed and watched objects before caching and handing them out', async () => {
    await admin.create(configMaps(), cm('t-a', { v: '1', big: 'x'.repeat(1000) }));
    const client = new KubeClient({ ...admin.connection, server: info.server });
    const keepV = (o: V1ConfigMap & KubernetesObject): V1ConfigMap & KubernetesObject => ({ metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace, resourceVersion: o.metadata?.resourceVersion }, data: { v: o.data?.['v'] ?? '' } });
    const informer = new RestartingInformer<V1ConfigMap & KubernetesObject>(client, { name: 'configmaps', path: configMaps(), labelSelector: 'informer=yes' }, log, { transform: keepV });
    const seen: (V1ConfigMap & KubernetesObject)[] = [];
    informer.on((_e, o) => seen.push(o));
    await informer.start();
    await admin.create(configMaps(), cm('t-b', { v: '2', big: 'y'.repeat(1000) }));
    await until('watched t-b', () => informer.get('t-b', NS) !== undefined, 10_000);
    for (const name of ['t-a', 't-b']) expect(informer.get(name, NS)).toEqual(keepV(informer.get(name, NS)!));
    expect(informer.list(NS).map((o) => o.data)).toEqual([{ v: '1' }, { v: '2' }]);
    expect(seen.every((o) => o.data?.['big'] === undefined && o.metadata?.labels === undefined)).toBe(true);
    await informer.stop();
    client.close();
    for (const name of ['t-a', 't-b']) await admin.delete(configMap(name));
  });

  it('lists again when its resourceVersion was compacted away (410), without calling it an error', async () => {
    for (const n of ['g-1', 'g-2', 'g-3']) await admin.create(configMaps(), cm(n, { v: '1' }));
    logs.length = 0;
    // Short watches: each re-watch resumes from the resourceVersion the informer has seen.
    const { client, informer, events } = informerVia(replica!.server, 1);
    await informer.start();
    expect(events.sort()).toEqual(['add g-1:1', 'add g-2:1', 'add g-3:1']);
    // History elsewhere, then compaction past everything this informer has seen.
    for (let i = 0; i < 5; i++) await admin.create(configMaps(), cm(`other-${i}`, {}, {}));
    await compact();
    await until('relist', () => logs.some((l) => l.event === 'informerRelisted'), 20_000);
    expect(logs.filter((l) => l.event === 'informerError')).toEqual([]);
    expect(informer.restarts).toBe(0);
    // The watch after the relist works.
    await admin.create(configMaps(), cm('g-4', { v: '1' }));
    await until('g-4', () => events.includes('add g-4:1'), 10_000);
    await informer.stop();
    client.close();
    for (const n of ['g-1', 'g-2', 'g-3', 'g-4', 'other-0', 'other-1', 'other-2', 'other-3', 'other-4']) await admin.delete(configMap(n));
  });

  it('resumes its watch after a network cut, without listing again: what changed meanwhile arrives as events', async () => {
    for (const n of ['c-keep', 'c-gone', 'c-edit']) await admin.create(configMaps(), cm(n, { v: '1' }));
    logs.length = 0;
    const { client, informer, events } = informerVia(`https://127.0.0.1:${proxy!.port}`, 300);
    await informer.start();
    events.length = 0;
    proxy!.cut();
    await admin.delete(configMap('c-gone'));
    const edit = await admin.get<V1ConfigMap>(configMap('c-edit'));
    await admin.replace(configMap('c-edit'), { ...edit, data: { v: '2' } });
    await admin.create(configMaps(), cm('c-new', { v: '1' }));
    await until('error logged', () => logs.some((l) => l.event === 'informerError'), 10_000);
    proxy!.restore();
    await until('the changes', () => events.length >= 3, 20_000);
    expect(events).toEqual(['delete c-gone:1', 'update c-edit:2', 'add c-new:1']);
    expect(informer.restarts).toBeGreaterThanOrEqual(1);
    expect(informer.relists).toBe(0);
    expect(logs.filter((l) => l.event === 'informerRelisted')).toEqual([]);
    expect(informer.list(NS).map((o) => o.metadata?.name).sort()).toEqual(['c-edit', 'c-keep', 'c-new']);
    await informer.stop();
    client.close();
    for (const n of ['c-keep', 'c-edit', 'c-new']) await admin.delete(configMap(n));
  });

  it('keeps retrying a list it may not make, and stop() ends the wait', async () => {
    const file = join(dir, 'nobody.kubeconfig');
    writeFileSync(file, await info.serviceAccountKubeconfigText(NS, 'nobody'));
    const client = loadKubeClient(file);
    const informer = new RestartingInformer(client, { name: 'nodes', path: '/api/v1/nodes' }, log, { backoff: { initialMs: 20, maxMs: 100 } });
    const started = informer.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(informer.hasSynced).toBe(false);
    await informer.stop();
    await started;
    client.close();
  });
});
