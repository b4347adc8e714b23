// A standby whose pool cache went stale (its API server answers 403 while RBAC loads after a
// restart, so its informer cannot relist) must not take the lead and judge Services from that
// cache: it proves every cache current (a list after the acquisition) before it decides anything.
// The 403s come from the fault proxy in front of the standby, deterministically.
// The same holds during a term: a leader whose informer starts failing (watch cut, lists refused)
// holds every decision until that cache follows the server again.
import { jest } from '@jest/globals';
import { ApiFaultProxy } from '../e2e/programs/api-fault-proxy.js';
import { ControllerFixture, type LeaseTiming } from '../e2e/programs/controller-fixture.js';
import type { LogLine } from '../e2e/programs/process.js';
import { testenvFromJest } from '../e2e/testenv/jest-info.js';
import { sleep } from '../e2e/testenv/wait.js';

// Each case waits for Lease expiries and takeovers, several seconds each on a busy machine.
jest.setTimeout(180_000);

const lease: LeaseTiming = { duration: '3s', renewDeadline: '2s', retryPeriod: '500ms' };
const logTime = (l: LogLine): number => Date.parse(String(l['ts']));

describe('a standby with a stale pool cache', () => {
  const f = new ControllerFixture('stale');
  let proxy: ApiFaultProxy = undefined as unknown as ApiFaultProxy; // set in beforeAll

  beforeAll(async () => {
    await f.setUp();
    proxy = await ApiFaultProxy.start(testenvFromJest());
  });
  afterAll(async () => {
    await f.tearDown();
    await (proxy as ApiFaultProxy | undefined)?.stop();
  });

  it('takes the lead but decides nothing until its pool informer lists again, then moves the Service into the shrunken pool', async () => {
    await f.createPool('shrink', { addresses: ['10.35.0.0/28'] });
    const a = await f.startController({ leaderElect: true, lease });
    let forbidPools = false;
    proxy.rule = (method, path) => (forbidPools && method === 'GET' && path.includes('/ipaddresspools') ? 'forbid' : 'pass');
    const b = await f.startController({ leaderElect: true, waitLeader: false, lease, kubeconfig: f.kubeconfigVia(proxy.url) });
    await f.createService('outside', { annotations: { 'metallb.io/loadBalancerIPs': '10.35.0.12' } });
    expect(await f.waitForIps('outside')).toEqual(['10.35.0.12']);

    // b's pool cache goes stale: its watch is cut and every list answers 403.
    forbidPools = true;
    expect(proxy.cutWatches('/ipaddresspools')).toBeGreaterThan(0);
    await b.proc.waitForLog((l) => l.event === 'informerError' && l['informer'] === 'ipaddresspools', 15_000, 'b pool informer failing');
    // The leader stops before it can act on the shrink; b's cache still has the old range.
    process.kill(a.proc.pid!, 'SIGSTOP');
    try {
      await f.custom.patchNamespacedCustomObject({
        group: 'metallb.io', version: 'v1beta1', namespace: f.installNs, plural: 'ipaddresspools', name: 'shrink',
        body: [{ op: 'replace', path: '/spec/addresses', value: ['10.35.0.0/29'] }],
      });
      const elected = await b.proc.waitForEvent('leaderElected', 20_000);
      await sleep(3_000);
      // Leading, but no term: nothing judged from the stale cache.
      expect(b.proc.logs.filter((l) => ['resync', 'cachesCurrent', 'clearAssignment', 'ipAllocated'].includes(String(l.event)))).toEqual([]);
      expect(await f.ingressIps('outside')).toEqual(['10.35.0.12']);

      const allowedAt = Date.now();
      forbidPools = false;
      const current = await b.proc.waitForEvent('cachesCurrent', 30_000);
      expect(logTime(current)).toBeGreaterThanOrEqual(allowedAt - 50);
      expect(logTime(current)).toBeGreaterThan(logTime(elected));
      // Judged against the shrunken pool: the requested address is no longer allowed.
      await b.proc.waitForLog((l) => l.event === 'clearAssignment' && l['service'] === `${f.appNs}/outside`, 15_000, 'outside cleared');
      for (let i = 0; i < 100 && (await f.ingressIps('outside')).length > 0; i++) await sleep(100);
      expect(await f.ingressIps('outside')).toEqual([]);
      await f.waitForEvent('outside', 'AllocationFailed', '10.35.0.12');
    } finally {
      process.kill(a.proc.pid!, 'SIGCONT');
      proxy.rule = () => 'pass';
    }
  });

  it('holds decisions while a leader\'s pool informer fails mid-term, then allocates from the pool as it is now', async () => {
    await f.createPool('drift', { addresses: ['10.36.0.0/29'] });
    let forbidPools = false;
    proxy.rule = (method, path) => (forbidPools && method === 'GET' && path.includes('/ipaddresspools') ? 'forbid' : 'pass');
    const c = await f.startController({ kubeconfig: f.kubeconfigVia(proxy.url) });
    await f.createService('early', { annotations: { 'metallb.io/address-pool': 'drift' } });
    expect((await f.waitForIps('early'))[0]).toMatch(/^10\.36\.0\./);
    try {
      forbidPools = true;
      expect(proxy.cutWatches('/ipaddresspools')).toBeGreaterThan(0);
      await c.proc.waitForLog((l) => l.event === 'cachesUnhealthy' && Array.isArray(l['informers']) && l['informers'].includes('ipaddresspools'), 15_000, 'caches unhealthy');
      // The pool moves while the leader cannot see it; a Service asks for an address meanwhile.
      await f.custom.patchNamespacedCustomObject({
        group: 'metallb.io', version: 'v1beta1', namespace: f.installNs, plural: 'ipaddresspools', name: 'drift',
        body: [{ op: 'replace', path: '/spec/addresses', value: ['10.36.1.0/30'] }],
      });
      await f.createService('late', { annotations: { 'metallb.io/address-pool': 'drift' } });
      await sleep(3_000);
      // Nothing decided from the stale cache: no address from the old range, no write at all.
      expect(await f.ingressIps('late')).toEqual([]);
      expect(c.proc.logs.filter((l) => l.event === 'statusWritten' && l['service'] === `${f.appNs}/late`)).toEqual([]);
    } finally {
      forbidPools = false;
    }
    await c.proc.waitForEvent('cachesHealthy', 30_000);
    expect((await f.waitForIps('late'))[0]).toMatch(/^10\.36\.1\./);
    // The Service allocated before the move is judged again against the pool as it is now.
    for (let i = 0; i < 100 && !(await f.ingressIps('early')).every((ip) => ip.startsWith('10.36.1.')); i++) await sleep(100);
    expect((await f.ingressIps('early')).every((ip) => ip.startsWith('10.36.1.'))).toBe(true);
  });
});
