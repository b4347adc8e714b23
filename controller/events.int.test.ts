// Events as an operator should get them, with the real controller process and API server: no
// Warning for a transient the controller resolves by itself (a Service created a moment before its
// pool), one Warning Event per distinct problem per Service however often it is judged again, and
// pending Services requeued on every freed address cost no API requests when nothing changed for them.
// A waiting Service's Warning that the API server refused (403 while a restarted API server loads
// RBAC, through the fault proxy) is recorded once the server accepts it, with no other change.
import { jest } from '@jest/globals';
import type { CoreV1Event } from '@kubernetes/client-node';
import { ApiFaultProxy } from '../e2e/programs/api-fault-proxy.js';
import type { ProgramProcess } from '../e2e/programs/process.js';
import { ControllerFixture, metricValue } from '../e2e/programs/controller-fixture.js';
import { testenvFromJest } from '../e2e/testenv/jest-info.js';
import { sleep } from '../e2e/testenv/wait.js';

jest.setTimeout(180_000);

describe('controller Events', () => {
  const f = new ControllerFixture('events');
  let port = 0;
  const requests = async (): Promise<number> => {
    const text = await f.metrics(port);
    return ['GET', 'POST', 'PUT', 'DELETE'].reduce((s, m) => s + (metricValue(text, 'l2lb_k8s_requests_sent', { method: m }) ?? 0), 0);
  };

  beforeAll(async () => {
    await f.setUp();
    port = (await f.startController()).metricsPort;
  });
  afterAll(() => f.tearDown());

  it('a Service created just before its pool gets its address and no Warning', async () => {
    await f.createService('early', { annotations: { 'metallb.io/address-pool': 'late' } });
    await f.createPool('late', { addresses: ['10.36.0.0/30'] });
    expect(await f.waitForIps('early')).toEqual(['10.36.0.0']);
    await sleep(3_000); // past the grace in which a refusal is judged again
    // (NotAnnounced is true and stays: this test has no L2Advertisement.)
    expect((await f.events('early')).filter((e) => e.type === 'Warning' && e.reason !== 'NotAnnounced')).toEqual([]);
  });

  it('one Warning Event per distinct problem, however often the Service is judged again', async () => {
    await f.createService('outside', { annotations: { 'metallb.io/loadBalancerIPs': '10.99.0.1' } });
    await f.waitForEvent('outside', 'AllocationFailed', '10.99.0.1');
    // Pool changes requeue every Service: the same refusal, judged again and again.
    for (let i = 0; i < 5; i++) {
      await f.createPool(`churn-${i}`, { addresses: [`10.37.${i}.0/30`] });
      await sleep(300);
    }
    await sleep(3_000);
    const warnings = (await f.events('outside')).filter((e) => e.type === 'Warning');
    expect(warnings.map((e) => [e.reason, e.count])).toEqual([['AllocationFailed', 1]]);
  });

  it('requeues pending Services on each freed address without an API request for each of them', async () => {
    await f.createPool('one', { addresses: ['10.38.0.1/32'] });
    const annotations = { 'metallb.io/address-pool': 'one' };
    await f.createService('holder-0', { annotations });
    expect(await f.waitForIps('holder-0')).toEqual(['10.38.0.1']);
    const pending = Array.from({ length: 30 }, (_, i) => `pending-${i}`);
    for (const name of pending) await f.createService(name, { annotations });
    for (const name of pending) await f.waitForEvent(name, 'AllocationFailed', 'no available IPs', 30_000);

    const before = await requests();
    // Three times: free the address (every pending Service is judged again), one of them takes it.
    let holder = 'holder-0';
    for (let round = 0; round < 3; round++) {
      await f.core.deleteNamespacedService({ name: holder, namespace: f.appNs });
      let next: string | undefined;
      for (let i = 0; i < 100 && !next; i++) {
        const items = (await f.core.listNamespacedService({ namespace: f.appNs })).items;
        next = items.find((s) => s.metadata!.name!.startsWith('pending-') && (s.status?.loadBalancer?.ingress ?? []).length > 0)?.metadata?.name;
        if (!next) await sleep(100);
      }
      expect(next).toBeDefined();
      holder = next!;
      await sleep(1_000);
    }
    await sleep(3_000);
    const spent = (await requests()) - before;
    // Per round: one status write, its IPAllocated Event, a pool status write, maybe a retry:
    // a handful, not one per pending Service (27 still pending).
    expect(spent).toBeLessThan(3 * 10);
    const stillPending = pending.filter((p) => p !== holder);
    const events = (await f.core.listNamespacedEvent({ namespace: f.appNs })).items.filter((e) => e.reason === 'AllocationFailed' && stillPending.includes(e.involvedObject.name ?? ''));
    const perService = new Map<string, number>();
    for (const e of events) perService.set(e.involvedObject.name!, (perService.get(e.involvedObject.name!) ?? 0) + 1);
    expect([...perService.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('a refused Warning', () => {
  const f = new ControllerFixture('evretry');
  let proxy: ApiFaultProxy | undefined;
  let controller: ProgramProcess | undefined;
  let forbidEvents = false;
  beforeAll(async () => {
    await f.setUp();
    proxy = await ApiFaultProxy.start(testenvFromJest());
    proxy.rule = (method, path) => (forbidEvents && method === 'POST' && path.endsWith('/events') ? 'forbid' : 'pass');
    controller = (await f.startController({ kubeconfig: f.kubeconfigVia(proxy.url) })).proc;
  });
  afterAll(async () => {
    await f.tearDown();
    await proxy?.stop();
  });

  it('is tried again while the Service still waits, though nothing decides that Service again', async () => {
    forbidEvents = true;
    await f.createService('refused', { annotations: { 'metallb.io/loadBalancerIPs': '10.99.0.2' } });
    await controller!.waitForLog((l) => l.event === 'eventFailed' && l['reason'] === 'AllocationFailed', 15_000, 'the Warning refused');
    expect(await f.events('refused')).toEqual([]);
    forbidEvents = false;
    // No Service or pool changes from here: only the retry can bring the Warning.
    const e = await f.waitForEvent('refused', 'AllocationFailed', '10.99.0.2', 20_000);
    expect(e.type).toBe('Warning');
  });

  it('on an invalid pool is tried again while the pool stays invalid', async () => {
    await f.createPool('first', { addresses: ['10.43.0.0/29'] });
    forbidEvents = true;
    // Overlapping at birth: the new pool is the invalid one.
    await f.createPool('second', { addresses: ['10.43.0.4/30'] });
    await controller!.waitForLog((l) => l.event === 'eventFailed' && l['reason'] === 'InvalidConfiguration', 15_000, 'the pool Warning refused');
    forbidEvents = false;
    const deadline = Date.now() + 20_000;
    let warned: CoreV1Event[] = [];
    while (warned.length === 0 && Date.now() < deadline) {
      await sleep(500);
      warned = (await f.core.listNamespacedEvent({ namespace: f.installNs })).items.filter((e) => e.involvedObject.name === 'second' && e.reason === 'InvalidConfiguration');
    }
    expect(warned.map((e) => e.type)).toEqual(['Warning']);
  });
});
