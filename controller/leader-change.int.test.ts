// What a new leader serves for an invalid pool, with two real replicas against the real API server:
// the last valid spec lives in the pool's status (keyed to its uid), so a takeover keeps serving it
// (no Service loses its address because the leader changed), and a pool deleted and recreated while
// a replica stood by is a new pool: that replica, once leading, never serves the old pool's
// addresses for it.
import { jest } from '@jest/globals';
import { ControllerFixture, type LeaseTiming } from '../e2e/programs/controller-fixture.js';
import type { ProgramProcess } from '../e2e/programs/process.js';
import { sleep } from '../e2e/testenv/wait.js';

jest.setTimeout(180_000);

const lease: LeaseTiming = { duration: '3s', renewDeadline: '2s', retryPeriod: '500ms' };
const group = { group: 'metallb.io', version: 'v1beta1' };

describe('a leader change and an invalid pool', () => {
  const f = new ControllerFixture('handover');
  /** Each case's replicas, stopped after it (pass or fail) so the next case starts without a leader. */
  let replicas: ProgramProcess[] = [];
  beforeAll(() => f.setUp());
  afterEach(async () => {
    await Promise.all(replicas.map((p) => p.stop('SIGKILL')));
    replicas = [];
  });
  afterAll(() => f.tearDown());

  const editPool = (name: string, addresses: string[]): Promise<unknown> =>
    f.custom.patchNamespacedCustomObject({ ...group, namespace: f.installNs, plural: 'ipaddresspools', name, body: [{ op: 'replace', path: '/spec/addresses', value: addresses }] });
  const waitForPoolStatus = async (name: string, pred: (status: Record<string, unknown> | undefined, uid: string | undefined) => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 150; i++, await sleep(100)) {
      const p = await f.getPool(name).catch(() => undefined);
      if (p && pred(p.status as Record<string, unknown> | undefined, p.metadata?.uid)) return;
    }
    throw new Error(`pool ${name}: no ${what} within 15 s`);
  };
  /** The pools (created in order), then a leader `a` and a standby `b`. */
  const poolsAndReplicas = async (pools: Record<string, string>): Promise<{ a: { proc: ProgramProcess }; b: { proc: ProgramProcess } }> => {
    for (const [name, range] of Object.entries(pools)) await f.createPool(name, { addresses: [range] });
    const a = await f.startController({ leaderElect: true, lease });
    const b = await f.startController({ leaderElect: true, waitLeader: false, lease });
    replicas = [a.proc, b.proc];
    return { a, b };
  };
  const logsOf = (proc: ProgramProcess, event: string, service: string): unknown[] => proc.logs.filter((l) => l.event === event && l['service'] === `${f.appNs}/${service}`);

  it('the new leader keeps serving an invalid pool\'s last valid spec: Services keep their addresses', async () => {
    const { a, b } = await poolsAndReplicas({ steady: '10.39.1.0/29', keep: '10.39.0.0/29' });
    await f.createService('held', { annotations: { 'metallb.io/address-pool': 'keep' } });
    const held = await f.waitForIps('held');
    expect(held[0]).toMatch(/^10\.39\.0\./);

    // An edit that overlaps the untouched pool: the edited pool is invalid and serves its last valid spec.
    await editPool('keep', ['10.39.1.0/29']);
    await waitForPoolStatus('keep', (s, uid) => {
      const lv = s?.['lastValid'] as { uid?: string; spec?: { addresses?: string[] } } | undefined;
      return JSON.stringify(lv?.spec?.addresses) === JSON.stringify(['10.39.0.0/29']) && lv?.uid === uid;
    }, 'status.lastValid with the old addresses and the pool\'s uid');

    await a.proc.stop('SIGKILL');
    await b.proc.waitForEvent('resyncDone', 30_000);
    await f.createService('after', { annotations: { 'metallb.io/address-pool': 'keep' } });
    // Served from the last valid spec by a leader that never saw it valid in its own memory.
    expect((await f.waitForIps('after'))[0]).toMatch(/^10\.39\.0\./);
    expect(await f.ingressIps('held')).toEqual(held);
    expect(logsOf(b.proc, 'clearAssignment', 'held')).toEqual([]);
  });

  it('a pool deleted and recreated while a replica stands by: once leading, it never serves the old pool\'s addresses', async () => {
    const { a, b } = await poolsAndReplicas({ base: '10.39.3.0/29', phoenix: '10.39.2.0/29' });
    // phoenix becomes invalid with a last valid spec (10.39.2.0/29) the standby sees in its status.
    await editPool('phoenix', ['10.39.3.0/29']);
    await waitForPoolStatus('phoenix', (s) => s?.['lastValid'] !== undefined, 'status.lastValid');
    const oldUid = (await f.getPool('phoenix')).metadata?.uid;

    // Deleted and recreated, overlapping from birth: a new pool that never had a valid spec.
    await f.deletePool('phoenix');
    for (let i = 0; i < 100 && (await f.getPool('phoenix').then(() => true, () => false)); i++) await sleep(100);
    await f.createPool('phoenix', { addresses: ['10.39.3.0/29'] });
    const newUid = (await f.getPool('phoenix')).metadata?.uid;
    expect(newUid).not.toBe(oldUid);
    await sleep(1_000); // the standby's informer sees the new object

    await a.proc.stop('SIGKILL');
    await b.proc.waitForEvent('resyncDone', 30_000);
    await f.createService('risen', { annotations: { 'metallb.io/address-pool': 'phoenix' } });
    await f.waitForEvent('risen', 'AllocationFailed');
    expect(await f.ingressIps('risen')).toEqual([]);
    expect(b.proc.logs.filter((l) => l.event === 'ipAllocated' && JSON.stringify(l['ip'] ?? '').includes('10.39.2.'))).toEqual([]);
    const status = (await f.getPool('phoenix')).status as Record<string, unknown> | undefined;
    expect(status?.['lastValid']).toBeUndefined();
  });
});
