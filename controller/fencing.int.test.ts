// Fencing with the real controller processes against the real API server: a leader that was
// stopped (SIGSTOP) past its Lease, or whose Lease requests hang, writes nothing once it has lost
// the lead; and a status write that was applied but whose answer was cut off keeps its address for
// that Service until the watch shows it.
import { jest } from '@jest/globals';
import type { V1Service } from '@kubernetes/client-node';
import { ApiFaultProxy } from '../e2e/programs/api-fault-proxy.js';
import { ControllerFixture, metricValue, type LeaseTiming } from '../e2e/programs/controller-fixture.js';
import type { LogLine, ProgramProcess } from '../e2e/programs/process.js';
import { testenvFromJest } from '../e2e/testenv/jest-info.js';
import { sleep } from '../e2e/testenv/wait.js';

// Each case waits for Lease expiries and takeovers, several seconds each on a busy machine.
jest.setTimeout(180_000);

const lease: LeaseTiming = { duration: '3s', renewDeadline: '2s', retryPeriod: '500ms' };
const ingressOf = (svc: V1Service): string[] => (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
const logTime = (l: LogLine): number => Date.parse(String(l['ts']));
const after = (proc: ProgramProcess, event: string, since: number): LogLine[] => proc.logs.filter((l) => l.event === event && logTime(l) >= since);

/** Polls every Service of the namespace and records each one's distinct addresses over time. */
class AddressHistory {
  readonly seen = new Map<string, string[]>();
  private running = true;
  private readonly loop: Promise<void>;
  constructor(private readonly f: ControllerFixture) {
    this.loop = this.poll();
  }
  private async poll(): Promise<void> {
    while (this.running) {
      const items = (await this.f.core.listNamespacedService({ namespace: this.f.appNs })).items;
      const byIp = new Map<string, string[]>();
      for (const s of items) {
        const ips = ingressOf(s).join(',');
        if (ips === '') continue;
        const name = s.metadata!.name!;
        const h = this.seen.get(name) ?? [];
        if (h[h.length - 1] !== ips) this.seen.set(name, [...h, ips]);
        for (const ip of ingressOf(s)) byIp.set(ip, [...(byIp.get(ip) ?? []), name]);
      }
      for (const [ip, names] of byIp) if (names.length > 1) this.duplicates.push(`${ip}: ${names.join(', ')}`);
      await sleep(50);
    }
  }
  readonly duplicates: string[] = [];
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
  /** Services whose address changed once assigned. */
  changed(): string[] {
    return [...this.seen].filter(([, h]) => h.length > 1).map(([n, h]) => `${n}: ${h.join(' -> ')}`);
  }
}

describe('fencing', () => {
  const f = new ControllerFixture('fence');
  const info = testenvFromJest();
  let proxy: ApiFaultProxy = undefined as unknown as ApiFaultProxy; // set in beforeAll
  const writes = async (port: number): Promise<number> => metricValue(await f.metrics(port), 'l2lb_k8s_writes_total', { resource: 'services/status' }) ?? 0;

  beforeAll(async () => {
    await f.setUp();
    await f.createPool('fence', { addresses: ['10.33.0.0/27'] });
    proxy = await ApiFaultProxy.start(info);
  });
  afterAll(async () => {
    await f.tearDown();
    await (proxy as ApiFaultProxy | undefined)?.stop();
  });

  it('a leader stopped past its Lease writes nothing after it resumes, and no address moves', async () => {
    const a = await f.startController({ leaderElect: true, lease });
    const b = await f.startController({ leaderElect: true, waitLeader: false, lease });
    for (let i = 0; i < 4; i++) await f.createService(`stop-${i}`);
    for (let i = 0; i < 4; i++) await f.waitForIps(`stop-${i}`);
    const history = new AddressHistory(f);
    const before = await writes(a.metricsPort);

    process.kill(a.proc.pid!, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      await b.proc.waitForEvent('leaseAcquired', 20_000);
      await b.proc.waitForEvent('resync', 20_000);
      // Changes the stopped leader will find buffered in its watches when it resumes: each would
      // make its stale allocator decide (and, unfenced, write).
      await f.core.deleteNamespacedService({ name: 'stop-0', namespace: f.appNs });
      for (let i = 0; i < 3; i++) await f.createService(`during-${i}`);
      for (let i = 0; i < 3; i++) await f.waitForIps(`during-${i}`);
    } finally {
      process.kill(a.proc.pid!, 'SIGCONT');
    }
    const lost = await a.proc.waitForLog((l) => l.event === 'leaderLost' && logTime(l) >= stoppedAt, 10_000, 'leaderLost after SIGCONT');
    await f.createService('after');
    await f.waitForIps('after');
    await sleep(2_000);
    await history.stop();

    expect(await writes(a.metricsPort)).toBe(before);
    expect(after(a.proc, 'ipAllocated', stoppedAt)).toEqual([]);
    expect(after(a.proc, 'leaderElected', logTime(lost))).toEqual([]);
    expect(history.changed()).toEqual([]);
    expect(history.duplicates).toEqual([]);
    await a.proc.stop('SIGKILL');
    await b.proc.stop('SIGKILL');
  });

  it('a leader whose Lease requests hang steps down by its renew deadline, before the standby takes over', async () => {
    let stallLeases = false;
    proxy.rule = (_method, path) => (stallLeases && path.includes('/leases/') ? 'stall' : 'pass');
    const a = await f.startController({ leaderElect: true, lease, kubeconfig: f.kubeconfigVia(proxy.url) });
    const b = await f.startController({ leaderElect: true, waitLeader: false, lease });
    await f.createService('stall-0');
    await f.waitForIps('stall-0');

    stallLeases = true;
    const stalledAt = Date.now();
    // Either path steps down at the deadline: the deadline timer (renewDeadlinePassed), or the
    // Lease request itself, bounded by the time left, failing a moment earlier (leaseError).
    const lost = await a.proc.waitForLog((l) => l.event === 'leaderLost' && logTime(l) >= stalledAt, 15_000, 'leaderLost');
    const acquired = await b.proc.waitForEvent('leaseAcquired', 20_000);
    const writesAtLoss = await writes(a.metricsPort);
    // The hung request did not keep it leading: it stepped down within the renew deadline plus a
    // retry period (not the client's 30 s timeout), before b took over.
    expect(logTime(lost) - stalledAt).toBeLessThan(10_000);
    expect(logTime(lost)).toBeLessThan(logTime(acquired));

    await b.proc.waitForEvent('resync', 20_000);
    await f.createService('stall-1');
    await f.waitForIps('stall-1');
    stallLeases = false;
    proxy.release(); // the held Lease requests: their clients gave up, so they are dropped
    await sleep(2_000);
    expect(await writes(a.metricsPort)).toBe(writesAtLoss);
    expect(after(a.proc, 'ipAllocated', logTime(lost))).toEqual([]);
    // No held Lease write went through late; a read still waiting for its answer may, harmlessly.
    expect(proxy.calls.filter((c) => c.action === 'stall' && c.method !== 'GET' && c.forwardedAt !== undefined)).toEqual([]);
    expect(proxy.calls.filter((c) => c.action === 'stall').length).toBeGreaterThan(1);
    await a.proc.stop('SIGKILL');
    await b.proc.stop('SIGKILL');
    proxy.rule = () => 'pass';
  });

  it('a status write applied but cut off keeps its address for that Service, even across a pool change, until the watch shows it', async () => {
    const f2 = new ControllerFixture('doubt');
    await f2.setUp();
    try {
      await f2.createPool('doubt', { addresses: ['10.34.0.0/30'] });
      const statusPath = `/api/v1/namespaces/${f2.appNs}/services/first/status`;
      let cut = true;
      proxy.rule = (method, path) => {
        if (method === 'PUT' && path === statusPath && cut) {
          cut = false;
          // From now on the controller does not hear about "first" until the test says so.
          proxy.holdEventsOf('first');
          return 'cutResponse';
        }
        return 'pass';
      };
      const { proc } = await f2.startController({ kubeconfig: f2.kubeconfigVia(proxy.url) });
      await f2.createService('first');
      expect(await f2.waitForIps('first')).toEqual(['10.34.0.0']); // the server holds it
      await proc.waitForLog((l) => l.event === 'statusWriteFailed' && l['inDoubt'] === true, 15_000, 'write in doubt');

      // The pool loses .0 and gets it back while "first"'s status is unseen: the controller must
      // not hand .0 to anyone else meanwhile.
      const pools = { group: 'metallb.io', version: 'v1beta1', namespace: f2.installNs, plural: 'ipaddresspools', name: 'doubt' };
      await f2.custom.patchNamespacedCustomObject({ ...pools, body: [{ op: 'replace', path: '/spec/addresses', value: ['10.34.0.1-10.34.0.3'] }] });
      await proc.waitForLog((l) => l.event === 'poolChanged' && l['service'] === `${f2.appNs}/first`, 15_000, 'first invalidated');
      await f2.custom.patchNamespacedCustomObject({ ...pools, body: [{ op: 'replace', path: '/spec/addresses', value: ['10.34.0.0/30'] }] });
      await sleep(500);
      await f2.createService('second');
      const second = await f2.waitForIps('second');
      expect(second).not.toEqual(['10.34.0.0']);

      proxy.holdEventsOf(undefined);
      await sleep(2_000);
      expect(await f2.ingressIps('first')).toEqual(['10.34.0.0']);
      expect(await f2.ingressIps('second')).toEqual(second);
    } finally {
      proxy.rule = () => 'pass';
      proxy.holdEventsOf(undefined);
      await f2.tearDown();
    }
  });
});
