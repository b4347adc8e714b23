// A ConfigurationState goes with the Pod that wrote it: each writer makes its own Pod the owner
// (downward API --pod-name/--pod-uid), so a replica killed without cleaning up leaves an object the
// garbage collector removes when its Pod is deleted, and a new leader takes the ownership over
// first, so deleting the old leader's Pod does not take the live object with it. Real API server,
// real kube-controller-manager garbage collector, the chart's RBAC.
import type { V1Pod } from '@kubernetes/client-node';
import { ControllerFixture } from '../e2e/programs/controller-fixture.js';
import { waitFor } from '../e2e/testenv/wait.js';
import type { ConfigurationState } from '../shared/config-state/status.js';

const f = new ControllerFixture('cfgowner');

const state = (): Promise<ConfigurationState | undefined> => f.controllerConfigurationState();

const owners = async (): Promise<string[] | undefined> => (await state())?.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}/${o.uid}`);

/** A Pod object standing for a replica's Pod (never scheduled: only its identity matters). */
async function pod(name: string): Promise<{ name: string; uid: string }> {
  const body: V1Pod = { metadata: { name }, spec: { containers: [{ name: 'controller', image: 'l2lb.invalid/none' }] } };
  const created = await f.core.createNamespacedPod({ namespace: f.installNs, body });
  return { name, uid: created.metadata!.uid! };
}

beforeAll(async () => {
  await f.setUp();
  await f.createPool('good', { addresses: ['192.0.2.0/29'] });
});

afterAll(() => f.tearDown());

test('owned by the leader\'s Pod; a new leader takes it over; deleting the last owner\'s Pod removes it', async () => {
  const a = await pod('controller-a');
  const b = await pod('controller-b');
  const first = await f.startController({ args: ['--pod-name', a.name, '--pod-uid', a.uid] });
  await waitFor('owned by Pod controller-a', async () => (await owners())?.join() === `Pod/${a.name}/${a.uid}`, { timeoutMs: 15_000 });
  await first.proc.stop('SIGKILL'); // no cleanup: the object stays behind

  const second = await f.startController({ args: ['--pod-name', b.name, '--pod-uid', b.uid] });
  await waitFor('owned by Pod controller-b', async () => (await owners())?.join() === `Pod/${b.name}/${b.uid}`, { timeoutMs: 15_000 });
  expect((await state())?.status?.result).toBe('Valid');
  // The old leader's Pod goes: the object no longer names it, so it stays.
  await f.core.deleteNamespacedPod({ namespace: f.installNs, name: a.name, gracePeriodSeconds: 0 });
  await waitFor('Pod controller-a gone', async () => (await f.core.listNamespacedPod({ namespace: f.installNs })).items.every((p) => p.metadata?.name !== a.name), { timeoutMs: 15_000 });

  await second.proc.stop('SIGKILL');
  await f.core.deleteNamespacedPod({ namespace: f.installNs, name: b.name, gracePeriodSeconds: 0 });
  await waitFor('ConfigurationState garbage-collected with Pod controller-b', async () => (await state()) === undefined, { timeoutMs: 30_000 });
});
