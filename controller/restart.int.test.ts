// Restart safety, leader handover and an expired watch, with the real controller process against
// the real API server: no restart, leader change or API-server hiccup may move an assigned IP or
// hand one out twice.
import { CoordinationV1Api, KubeConfig, Watch, type V1Service } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { startApiServerReplica, type ApiServerReplica } from '../e2e/programs/apiserver-replica.js';
import { ControllerFixture, metricValue, type LeaseTiming, type ServiceOptions } from '../e2e/programs/controller-fixture.js';
import type { LogLine, ProgramProcess } from '../e2e/programs/process.js';
import { TcpProxy } from '../e2e/programs/tcp-proxy.js';
import { testenvFromJest } from '../e2e/testenv/jest-info.js';
import { sleep } from '../e2e/testenv/wait.js';

const ingressOf = (svc: V1Service): string[] => (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));

/** Creates Services with at most `parallel` requests in flight. */
async function createAll(f: ControllerFixture, services: readonly (readonly [string, ServiceOptions])[], parallel = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < services.length) {
      const [name, opts] = services[next++]!;
      await f.createService(name, opts);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Lists the app namespace until every named Service has its expected number of IPs; returns name -> ingress. */
async function waitForAll(f: ControllerFixture, expected: ReadonlyMap<string, number>, timeoutMs = 60_000): Promise<Map<string, string[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = (await f.core.listNamespacedService({ namespace: f.appNs })).items;
    const byName = new Map(items.map((s) => [s.metadata!.name!, ingressOf(s)]));
    const missing = [...expected].filter(([name, n]) => (byName.get(name)?.length ?? 0) < n).map(([name]) => name);
    if (missing.length === 0) return byName;
    if (Date.now() > deadline) throw new Error(`${missing.length} Services still without their addresses, e.g. ${missing.slice(0, 5).join(', ')}`);
    await sleep(200);
  }
}

const eventLog = (proc: ProgramProcess, event: string): LogLine[] => proc.logs.filter((l) => l.event === event);

describe('restart: a new controller keeps every assigned address', () => {
  const f = new ControllerFixture('restart');
  // ~200 Services of every kind that holds an address in its own way.
  const kinds: [string, number, ServiceOptions, number][] = [
    ['v4', 100, {}, 1],
    ['v6', 30, { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] } }, 1],
    ['require', 15, { spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } }, 2],
    ['require6', 10, { spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] } }, 2],
    ['prefer', 25, { spec: { ipFamilyPolicy: 'PreferDualStack' } }, 2],
  ];
  const services: [string, ServiceOptions][] = [];
  const expected = new Map<string, number>();
  for (const [prefix, count, opts, ips] of kinds) {
    for (let i = 0; i < count; i++) {
      services.push([`${prefix}-${i}`, opts]);
      expected.set(`${prefix}-${i}`, ips);
    }
  }
  for (let i = 0; i < 10; i++) {
    services.push([`requested-${i}`, { annotations: { 'metallb.io/loadBalancerIPs': `10.30.0.${200 + i}` } }]);
    expected.set(`requested-${i}`, 1);
  }
  for (let i = 0; i < 5; i++) {
    for (const [side, port] of [['a', 80], ['b', 443]] as const) {
      const annotations = { 'metallb.io/allow-shared-ip': `key-${i}`, 'metallb.io/loadBalancerIPs': `10.30.0.${220 + i}` };
      services.push([`shared-${i}-${side}`, { annotations, spec: { ports: [{ port, protocol: 'TCP' }] } }]);
      expected.set(`shared-${i}-${side}`, 1);
    }
  }

  beforeAll(async () => {
    await f.setUp();
    await f.createPool('mixed', { addresses: ['10.30.0.0/24', 'fd00:30::/120'] });
  });
  afterAll(() => f.tearDown());

  it('changes no address when killed and restarted, and gives Services created meanwhile free ones', async () => {
    const first = await f.startController();
    await createAll(f, services);
    const before = await waitForAll(f, expected);
    expect(services).toHaveLength(200);
    // The shared pairs really share, so the restart has shared addresses to keep together.
    for (let i = 0; i < 5; i++) expect(before.get(`shared-${i}-a`)).toEqual(before.get(`shared-${i}-b`));

    await first.proc.stop('SIGKILL');
    const late: [string, ServiceOptions, number][] = [
      ['late-v4', {}, 1],
      ['late-v6', { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] } }, 1],
      ['late-dual', { spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } }, 2],
    ];
    for (const [name, opts] of late) await f.createService(name, opts);

    const second = await f.startController();
    const done = await second.proc.waitForEvent('resyncDone', 60_000);
    const after = await waitForAll(f, new Map([...expected, ...late.map(([n, , c]) => [n, c] as const)]));

    for (const [name] of services) expect({ name, ips: after.get(name) }).toEqual({ name, ips: before.get(name) });
    const held = new Set([...before.values()].flat());
    for (const [name, , count] of late) {
      const ips = after.get(name)!;
      expect(ips).toHaveLength(count);
      for (const ip of ips) expect({ name, ip, taken: held.has(ip) }).toEqual({ name, ip, taken: false });
    }
    // Only the three new Services cost a write: a converged Service is adopted, never rewritten.
    // (services counts every Service in the cluster, other suites' included.)
    expect(done).toMatchObject({ adopted: 200, writes: 3 });
    expect(eventLog(second.proc, 'ipAllocated').map((l) => l['service']).sort()).toEqual(late.map(([n]) => `${f.appNs}/${n}`).sort());
  });
});

describe('leader handover between two replicas', () => {
  const f = new ControllerFixture('leader');
  // Short, but with room for a busy CI machine: a leader that misses its renew deadline steps
  // down, which would make the "exactly one writes" checks flaky.
  const lease: LeaseTiming = { duration: '3s', renewDeadline: '2s', retryPeriod: '500ms' };
  const leader = async (port: number): Promise<number | undefined> => metricValue(await f.metrics(port), 'l2lb_controller_leader');
  const writes = async (port: number): Promise<number> => metricValue(await f.metrics(port), 'l2lb_k8s_writes_total', { resource: 'services/status' }) ?? 0;
  const coordination = (): CoordinationV1Api => f.kc.makeApiClient(CoordinationV1Api);
  const identity = (proc: ProgramProcess): string => String(eventLog(proc, 'leaderElected')[0]?.['identity']);

  beforeAll(async () => {
    await f.setUp();
    await f.createPool('lead', { addresses: ['10.31.0.0/28'] });
  });
  afterAll(() => f.tearDown());

  it('lets exactly one replica write; a killed leader is replaced once its Lease expires; a stopped one hands over at once', async () => {
    const a = await f.startController({ leaderElect: true, lease });
    const b = await f.startController({ leaderElect: true, waitLeader: false, lease });
    expect(await leader(a.metricsPort)).toBe(1);
    expect(await leader(b.metricsPort)).toBe(0);

    await f.createService('both');
    expect(await f.waitForIps('both')).toEqual(['10.31.0.0']);
    await f.waitForEvent('both', 'IPAllocated');
    expect((await f.events('both')).filter((e) => e.reason === 'IPAllocated')).toHaveLength(1);
    expect(await writes(a.metricsPort)).toBeGreaterThan(0);
    expect(await writes(b.metricsPort)).toBe(0);
    expect(eventLog(b.proc, 'ipAllocated')).toEqual([]);
    // The leader renews its Lease (a renewal that fails would make it step down after the renew
    // deadline and leadership would flap).
    for (let renewed = false; !renewed; await sleep(100)) {
      const spec = (await coordination().readNamespacedLease({ name: 'l2lb-controller', namespace: f.installNs })).spec;
      renewed = String(spec?.renewTime) !== String(spec?.acquireTime);
    }
    expect(eventLog(a.proc, 'leaseError')).toEqual([]);
    expect(eventLog(a.proc, 'leaderLost')).toEqual([]);

    // SIGKILL: no release, so the standby must wait for the Lease to expire.
    await a.proc.stop('SIGKILL');
    const takeover = await b.proc.waitForEvent('leaseAcquired', 30_000);
    expect(takeover['previousHolder']).toBe(identity(a.proc));
    await b.proc.waitForEvent('resync');
    expect(await leader(b.metricsPort)).toBe(1);
    await f.createService('after-kill');
    expect(await f.waitForIps('after-kill')).toEqual(['10.31.0.1']);
    expect(await f.ingressIps('both')).toEqual(['10.31.0.0']);

    // SIGTERM: the leader releases the Lease (empty holder) and the standby takes it on its next
    // try. Taking an expired Lease would name the old holder, so previousHolder '' proves the release.
    const c = await f.startController({ leaderElect: true, waitLeader: false, lease });
    expect(await leader(c.metricsPort)).toBe(0);
    expect(await b.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(eventLog(b.proc, 'leaseReleaseFailed')).toEqual([]);
    const handover = await c.proc.waitForEvent('leaseAcquired', 30_000);
    expect(handover['previousHolder']).toBe('');
    await c.proc.waitForEvent('leaderElected');
    const leaseObj = await coordination().readNamespacedLease({ name: 'l2lb-controller', namespace: f.installNs });
    expect(leaseObj.spec?.holderIdentity).toBe(identity(c.proc));
    await f.createService('after-term');
    expect(await f.waitForIps('after-term')).toEqual(['10.31.0.2']);
    expect(await f.ingressIps('both')).toEqual(['10.31.0.0']);
    expect(await f.ingressIps('after-kill')).toEqual(['10.31.0.1']);
  });
});

describe('an expired watch (410 Gone after etcd compaction)', () => {
  const f = new ControllerFixture('gone');
  const info = testenvFromJest();
  let replica: ApiServerReplica | undefined;
  let proxy: TcpProxy | undefined;

  /** The admin kubeconfig, pointed at another server URL. */
  const adminVia = (server: string): KubeConfig => {
    const config = parse(readFileSync(info.adminKubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    for (const c of config.clusters) c.cluster.server = server;
    const kc = new KubeConfig();
    kc.loadFromString(stringify(config));
    return kc;
  };

  /** The first thing a watch from `resourceVersion` delivers: an event type, and the status code of an ERROR. */
  const firstWatchEvent = (kc: KubeConfig, path: string, resourceVersion: string): Promise<{ type: string; code?: number }> =>
    new Promise((resolve, reject) => {
      let abort: AbortController | undefined;
      let result: { type: string; code?: number } | undefined;
      const finish = (r: { type: string; code?: number }): void => {
        result ??= r;
        abort?.abort();
        resolve(result);
      };
      new Watch(kc)
        .watch(path, { resourceVersion }, (type, obj: { code?: number }) => finish(type === 'ERROR' ? { type, code: obj.code } : { type }), (err: unknown) => (err && !result ? reject(err) : finish({ type: 'closed' })))
        .then((c) => {
          abort = c;
          if (result) c.abort();
        }, reject);
    });

  const etcd = async (path: string, body: unknown): Promise<{ header: { revision: string } }> => {
    const res = await fetch(`${info.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as { header: { revision: string } };
  };

  beforeAll(async () => {
    await f.setUp();
    await f.createPool('gone', { addresses: ['10.32.0.0/24'] });
    // Watches served from etcd itself, not from the API server's watch cache (which keeps its own
    // history and hides compaction): a watch behind the compacted revision gets 410 Gone.
    replica = await startApiServerReplica(info, ['--watch-cache=false']);
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(replica.server).port) });
  }, 100_000); // the replica may take two 30 s attempts
  afterAll(async () => {
    await f.tearDown();
    await proxy?.stop();
    await replica?.stop();
  });

  it('relists and carries on: deletions made meanwhile free their addresses, new Services are assigned', async () => {
    const { proc } = await f.startController({ kubeconfig: f.kubeconfigVia(`https://127.0.0.1:${proxy!.port}`) });
    for (let i = 0; i < 4; i++) await f.createService(`before-${i}`);
    for (let i = 0; i < 4; i++) expect(await f.waitForIps(`before-${i}`)).toEqual([`10.32.0.${i}`]);
    const direct = adminVia(replica!.server);
    const seen = (await f.core.listServiceForAllNamespaces()).metadata!.resourceVersion!;

    proxy!.cut();
    await f.core.deleteNamespacedService({ name: 'before-0', namespace: f.appNs });
    await f.core.deleteNamespacedService({ name: 'before-1', namespace: f.appNs });
    await f.createService('during');
    // More history than any watch cache would hold, then compaction at the current revision.
    for (let i = 0; i < 210; i++) await f.core.patchNamespacedService({ name: 'before-3', namespace: f.appNs, body: [{ op: 'add', path: '/metadata/labels', value: { churn: String(i) } }] });
    const revision = (await etcd('/v3/kv/range', { key: Buffer.from('compact_rev_key').toString('base64') })).header.revision;
    await etcd('/v3/kv/compaction', { revision, physical: true });
    // What the controller's informers will get when they re-watch from where they stopped.
    expect(await firstWatchEvent(direct, '/api/v1/services', seen)).toEqual({ type: 'ERROR', code: 410 });

    proxy!.restore();
    await proc.waitForLog((l) => l.event === 'informerRelisted' && l['informer'] === 'services', 30_000, 'services relist');
    await proc.waitForLog((l) => l.event === 'serviceDeleted' && l['service'] === `${f.appNs}/before-1`, 30_000, 'before-1 released');
    await f.createService('after');
    // Lowest free first: the two addresses the deleted Services held are free again.
    const reused = [...(await f.waitForIps('during', 1, 30_000)), ...(await f.waitForIps('after'))].sort();
    expect(reused).toEqual(['10.32.0.0', '10.32.0.1']);
    expect(await f.ingressIps('before-2')).toEqual(['10.32.0.2']);
    expect(await f.ingressIps('before-3')).toEqual(['10.32.0.3']);
    // The cut reset the connections: the informers saw an error and restarted.
    expect(proc.logs.some((l) => l.event === 'informerError' && l['informer'] === 'services')).toBe(true);
  });
});
