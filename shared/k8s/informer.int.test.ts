// The informer's recovery against the real kube-apiserver (with its watch cache, as in production):
// a watch whose connection goes silent is replaced within the watchdog time; after a reset and
// 429s (from an HTTPS front playing an overloaded API server) the watch resumes without any list, and
// a relist reads from the watch cache, never etcd (counted on the API server's /metrics); a 403
// before the first sync is one log line naming the permission; a throwing handler costs a log
// line and a count, not a relist.
//
// The objects are of a custom resource made for this file, so that the API server's list
// counters for it count this file's lists and nobody else's (the controller manager lists
// ConfigMaps, e.g. while deleting other tests' namespaces).
import type { KubernetesObject } from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TcpProxy } from '../../e2e/programs/tcp-proxy.js';
import { ThrottlingFront } from '../../e2e/programs/throttling-front.js';
import { useClientFixture } from '../../e2e/testenv/client-fixture.js';
import { httpsGet } from '../../e2e/testenv/https-probe.js';
import { testenvFromJest } from '../../e2e/testenv/jest-info.js';
import { waitFor } from '../../e2e/testenv/wait.js';
import { createLogger } from '../log.js';
import { apiStatus } from './api-error.js';
import { KubeClient, loadKubeClient } from './client.js';
import { RestartingInformer } from './informer.js';
import { resourcePath } from './url.js';

const info = testenvFromJest();
const NS = 'k8s-informer-int';
const until = (what: string, check: () => boolean, timeoutMs: number): Promise<void> => waitFor(what, () => Promise.resolve(check()), { timeoutMs, intervalMs: 25 });
const GROUP = 'informer-test.l2lb.io';
const PLURAL = 'probes';
const probes = resourcePath({ group: GROUP, version: 'v1', namespace: NS, plural: PLURAL });
const probe = (name: string): string => resourcePath({ group: GROUP, version: 'v1', namespace: NS, plural: PLURAL, name });
const newProbe = (name: string, v = '1'): Probe => ({ apiVersion: `${GROUP}/v1`, kind: 'Probe', metadata: { name, labels: { informer: 'int' } }, data: { v } });
type Probe = KubernetesObject & { data?: Record<string, string> };
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: PLURAL, singular: 'probe', kind: 'Probe', listKind: 'ProbeList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
type LogLine = { event: string; level: string; msg: string; [k: string]: unknown };


/** Counts the list pages a client asks for (watches go through stream(), not get()). */
class CountingClient extends KubeClient {
  lists = 0;
  override get<T>(path: string, query?: Parameters<KubeClient['get']>[1]): Promise<T> {
    this.lists++;
    return super.get<T>(path, query);
  }
}

/** Grants a ServiceAccount of NS some verbs on the probes of NS; returns a kubeconfig path for it. */
async function serviceAccount(name: string, verbs: string[]): Promise<string> {
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(file, await info.serviceAccountKubeconfigText(NS, name));
  if (verbs.length > 0) {
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    await admin.create(`${rbac}/namespaces/${NS}/roles`, { metadata: { name }, rules: [{ apiGroups: [GROUP], resources: [PLURAL], verbs }] }).catch(ignoreConflict);
    await admin.create(`${rbac}/namespaces/${NS}/rolebindings`, { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace: NS }] }).catch(ignoreConflict);
    // RBAC is read through an informer in the API server: wait until it allows the list.
    const c = loadKubeClient(file);
    await waitFor(`RBAC for ${name}`, async () => (await c.get(probes).then(() => 200, (e: unknown) => apiStatus(e))) === 200, { timeoutMs: 10_000, intervalMs: 50 });
    c.close();
  }
  return file;
}
const ignoreConflict = (e: unknown): void => {
  if (apiStatus(e) !== 409) throw e;
};

/**
 * How the API server served LISTs of probes so far, from its /metrics: read from etcd
 * (apiserver_storage_list_total), served by the watch cache (apiserver_cache_list_total), and,
 * of those, consistent reads (the cache first made sure it is as new as etcd).
 */
async function probeLists(): Promise<{ etcd: number; cache: number; consistent: number }> {
  const tls = { ca: info.caPem, cert: readFileSync(join(info.dir, 'admin.crt'), 'utf8'), key: readFileSync(join(info.dir, 'admin.key'), 'utf8') };
  const { status, body } = await httpsGet(`${info.server}/metrics`, tls, 10_000);
  if (status !== 200) throw new Error(`/metrics: HTTP ${status}`);
  const sum = (metric: string): number =>
    body
      .split('\n')
      .filter((l) => l.startsWith(`${metric}{`) && l.includes(`group="${GROUP}"`) && l.includes(`resource="${PLURAL}"`))
      .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { etcd: sum('apiserver_storage_list_total'), cache: sum('apiserver_cache_list_total'), consistent: sum('apiserver_watch_cache_consistent_read_total') };
}

function informerFor(client: KubeClient, logs: LogLine[], opts: { watchIdleTimeoutMs?: number } = {}): RestartingInformer<Probe> {
  const log = createLogger('debug', {}, (l) => logs.push(JSON.parse(l) as LogLine));
  return new RestartingInformer<Probe>(client, { name: 'probes', path: probes, labelSelector: 'informer=int' }, log, { backoff: { initialMs: 50, maxMs: 500 }, watchTimeoutSeconds: () => 300, ...opts });
}

const fixture = useClientFixture(info, NS);
let admin: KubeClient;
let dir: string;
let proxy: TcpProxy;

beforeAll(async () => {
  ({ admin, dir } = fixture);
  await admin.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd).catch(ignoreConflict);
  await waitFor('the probes resource', async () => (await admin.get(probes).then(() => true)), { timeoutMs: 20_000, intervalMs: 100 });
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(info.server).port) });
});
afterAll(async () => {
  await proxy?.stop();
  await admin.delete(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`).catch(() => undefined);
});

describe('a watch whose connection goes silent', () => {
  it('is replaced on a new connection within the watchdog time, resuming where it was (no list)', async () => {
    const logs: LogLine[] = [];
    const client = new CountingClient({ ...admin.connection, server: `https://127.0.0.1:${proxy.port}` });
    const watchdogMs = 3000;
    const informer = informerFor(client, logs, { watchIdleTimeoutMs: watchdogMs });
    await informer.start();
    const listed = client.lists;
    const connections = proxy.accepted;
    // Neither end hears of it: no FIN, no RST, the bytes just stop.
    proxy.stall();
    const stalledAt = Date.now();
    await admin.create(probes, newProbe('after-stall'));
    await until('the probe made after the stall', () => informer.get('after-stall', NS) !== undefined, 4 * watchdogMs);
    const tookMs = Date.now() - stalledAt;
    expect(tookMs).toBeLessThan(watchdogMs + 2000);
    expect(proxy.accepted).toBeGreaterThan(connections);
    expect([informer.stalls, informer.relists, informer.restarts, client.lists - listed]).toEqual([1, 0, 0, 0]);
    expect(logs.filter((l) => l.event === 'watchStalled')).toHaveLength(1);
    await informer.stop();
    client.close();
    proxy.resume();
    await admin.delete(probe('after-stall'));
  });
});

describe('before the first sync', () => {
  it('logs a missing permission once, naming the verb and the resource, however often it retries', async () => {
    const file = await serviceAccount('no-probes', []);
    const logs: LogLine[] = [];
    const client = new CountingClient(loadKubeClient(file).connection);
    const informer = informerFor(client, logs);
    const started = informer.start();
    await until('five list attempts', () => client.lists >= 5, 20_000);
    expect(informer.hasSynced).toBe(false);
    await informer.stop();
    await started;
    client.close();
    const notSynced = logs.filter((l) => l.event === 'informerNotSynced');
    expect(notSynced).toHaveLength(1);
    expect(notSynced[0]).toMatchObject({ level: 'warn', informer: 'probes', verb: 'list', status: 403, missingPermission: `list ${PLURAL}.${GROUP} in namespace ${NS}` });
    expect(notSynced[0]!.msg).toContain(`forbidden to list ${PLURAL}.${GROUP} in namespace ${NS}`);
    // The API server's own words are there too.
    expect(notSynced[0]!['error']).toContain(`"system:serviceaccount:${NS}:no-probes" cannot list resource "${PLURAL}" in API group "${GROUP}"`);
  });
});

describe('a handler that throws', () => {
  it('is logged and counted; the other handlers still run and the informer neither relists nor restarts', async () => {
    const logs: LogLine[] = [];
    const client = new CountingClient(admin.connection);
    const informer = informerFor(client, logs);
    const seen: string[] = [];
    informer.on((_e, o) => {
      if (o.metadata?.name?.startsWith('bad')) throw new TypeError(`cannot read ${o.metadata.name}`);
    });
    informer.on((e, o) => seen.push(`${e} ${o.metadata?.name}`));
    await informer.start();
    const listed = client.lists;
    for (const n of ['bad-1', 'good-1', 'bad-2', 'good-2']) await admin.create(probes, newProbe(n));
    await until('four events', () => seen.length >= 4, 10_000);
    expect(seen).toEqual(['add bad-1', 'add good-1', 'add bad-2', 'add good-2']);
    expect([informer.handlerErrors, informer.relists, informer.restarts, client.lists - listed]).toEqual([2, 0, 0, 0]);
    expect(logs.filter((l) => l.event === 'informerHandlerFailed').map((l) => [l['object'], l['error']])).toEqual([
      [`${NS}/bad-1`, 'cannot read bad-1'],
      [`${NS}/bad-2`, 'cannot read bad-2'],
    ]);
    await informer.stop();
    client.close();
    for (const n of ['bad-1', 'good-1', 'bad-2', 'good-2']) await admin.delete(probe(n));
  });
});

describe('after a reset and 429s', () => {
  let front: ThrottlingFront | undefined;
  afterAll(async () => {
    await front?.stop();
  });

  it('resumes the watch from where it stopped, no sooner than Retry-After, without a single list', async () => {
    const file = await serviceAccount('throttled', ['list', 'watch']);
    front = await ThrottlingFront.start(info.server, info.caPem, info.dir);
    const logs: LogLine[] = [];
    const client = new CountingClient({ ...loadKubeClient(file).connection, server: front.url });
    const informer = informerFor(client, logs);
    await informer.start();
    const listed = client.lists;
    // The watch breaks, and for a while every request is refused as by an overloaded API server.
    front.throttle(1);
    front.resetAll();
    await until('two refused watches', () => front!.throttled >= 2, 20_000);
    front.pass();
    await admin.create(probes, newProbe('after-429'));
    await until('the probe made after the 429s', () => informer.get('after-429', NS) !== undefined, 20_000);
    const refused = logs.filter((l) => l.event === 'informerError' && l['status'] === 429);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const l of refused) expect(l).toMatchObject({ verb: 'watch', relist: false });
    // Retry-After (1 s) bounds the 50-500 ms backoff from below.
    expect(Math.min(...refused.map((l) => l['retryInMs'] as number))).toBeGreaterThanOrEqual(1000);
    expect([client.lists - listed, informer.relists]).toEqual([0, 0]);
    // The client's own counters are the proof here: the API server's list counters also count other
    // clients (kube-controller-manager's garbage collector lists every resource type, this one too).
    await informer.stop();
    client.close();
    await admin.delete(probe('after-429'));
  });
});

describe('lists', () => {
  it('read from the watch cache: the first one and a relist forced by an error answer, never etcd nor a consistent read', async () => {
    const file = await serviceAccount('relister', ['list', 'watch']);
    const logs: LogLine[] = [];
    const client = new CountingClient({ ...loadKubeClient(file).connection, server: `https://127.0.0.1:${proxy.port}` });
    const informer = informerFor(client, logs);
    const before = await probeLists();
    await informer.start();
    const synced = await probeLists();
    expect([synced.etcd - before.etcd, synced.consistent - before.consistent]).toEqual([0, 0]);
    expect(synced.cache - before.cache).toBeGreaterThanOrEqual(1);
    // Take away watch (list stays): the next watch is refused with 403, which lists again.
    await admin.replace(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles/relister`, { metadata: { name: 'relister' }, rules: [{ apiGroups: [GROUP], resources: [PLURAL], verbs: ['list'] }] });
    const asAccount = loadKubeClient(file);
    // Asked without watching: a watch without a resourceVersion would itself list from etcd.
    const mayWatch = async (): Promise<boolean> => {
      const review = await asAccount.create<{ status: { allowed: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace: NS, verb: 'watch', group: GROUP, resource: PLURAL } },
      });
      return review.status.allowed;
    };
    await waitFor('watch forbidden', async () => !(await mayWatch()), { timeoutMs: 10_000, intervalMs: 100 });
    proxy.cut();
    proxy.restore();
    await until('two relists', () => informer.relists >= 2, 20_000);
    await admin.replace(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles/relister`, { metadata: { name: 'relister' }, rules: [{ apiGroups: [GROUP], resources: [PLURAL], verbs: ['list', 'watch'] }] });
    await waitFor('watch allowed', mayWatch, { timeoutMs: 10_000, intervalMs: 100 });
    asAccount.close();
    await admin.create(probes, newProbe('after-relists'));
    await until('the probe made after the relists', () => informer.get('after-relists', NS) !== undefined, 20_000);
    const after = await probeLists();
    expect(logs.filter((l) => l.event === 'informerRelisted').every((l) => l['from'] === 'watch cache')).toBe(true);
    expect([after.etcd - synced.etcd, after.consistent - synced.consistent]).toEqual([0, 0]);
    expect(after.cache - synced.cache).toBeGreaterThanOrEqual(informer.relists);
    await informer.stop();
    client.close();
    await admin.delete(probe('after-relists'));
  });
});
