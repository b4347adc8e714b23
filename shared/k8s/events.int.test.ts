// The Event recorder against a real API server: a repeat bumps the count of the one Event it
// created (as client-go's recorder does), at most once per bump interval; another message makes
// another Event; the per-object token bucket bounds how many reach the server.
import type { CoreV1Event, KubernetesListObject } from '@kubernetes/client-node';
import { testenvFromJest } from '../../e2e/testenv/jest-info.js';
import { ensureNamespace } from '../../e2e/testenv/namespaces.js';
import { createLogger } from '../log.js';
import { loadKubeClient } from './client.js';
import { EventRecorder } from './events.js';

const info = testenvFromJest();
const NS = 'k8s-events-int';
const admin = loadKubeClient(info.adminKubeconfigPath);
const logs: string[] = [];

beforeAll(async () => {
  await ensureNamespace(admin, NS);
});
afterAll(async () => {
  await admin.delete(`/api/v1/namespaces/${NS}`).catch(() => undefined);
  admin.close();
});

it('bumps the count of a repeated Event instead of creating another; a new message is a new Event', async () => {
  const recorder = new EventRecorder(admin, 'l2lb-test', 'host-a', createLogger('debug', {}, (l) => logs.push(l)), { bumpIntervalMs: 0 });
  const target = { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: NS, uid: 'u-1' };
  await recorder.event(target, 'Normal', 'nodeAssigned', 'announcing from node "a"');
  await recorder.event(target, 'Normal', 'nodeAssigned', 'announcing from node "a"');
  await recorder.event(target, 'Normal', 'nodeAssigned', 'announcing from node "a"');
  await recorder.event(target, 'Normal', 'nodeAssigned', 'announcing from node "b"');
  const events = (await admin.get<KubernetesListObject<CoreV1Event>>(`/api/v1/namespaces/${NS}/events`)).items;
  const byMessage = new Map(events.map((e) => [e.message, e]));
  expect(events).toHaveLength(2);
  expect(byMessage.get('announcing from node "a"')).toMatchObject({ count: 3, reason: 'nodeAssigned', type: 'Normal', involvedObject: { kind: 'Service', name: 'web', uid: 'u-1' }, source: { component: 'l2lb-test', host: 'host-a' } });
  expect(byMessage.get('announcing from node "b"')?.count).toBe(1);
  expect(logs.filter((l) => l.includes('eventFailed'))).toEqual([]);
});

it('aggregates repeats between bumps and rate-limits one object, counting what it kept back', async () => {
  let now = 1_000_000;
  const recorder = new EventRecorder(admin, 'l2lb-test', 'host-a', createLogger('debug', {}, (l) => logs.push(l)), { now: () => now, perObject: { burst: 3, perSecond: 1 / 300 } });
  const target = { apiVersion: 'v1', kind: 'Service', name: 'pending', namespace: NS, uid: 'u-2' };
  const fetch = async (): Promise<CoreV1Event[]> => (await admin.get<KubernetesListObject<CoreV1Event>>(`/api/v1/namespaces/${NS}/events`, { fieldSelector: 'involvedObject.name=pending' })).items;
  for (let i = 0; i < 500; i++) await recorder.event(target, 'Warning', 'AllocationFailed', 'no available IPs');
  expect((await fetch()).map((e) => e.count)).toEqual([1]);
  expect(recorder.stats).toMatchObject({ created: 1, bumped: 0, aggregated: 499 });
  now += 5 * 60_000; // the bump interval passed: the next repeat sends the count
  await recorder.event(target, 'Warning', 'AllocationFailed', 'no available IPs');
  expect((await fetch()).map((e) => e.count)).toEqual([501]);
  // Distinct problems each get their Event, until the object's bucket is empty: of its 3 tokens
  // the create and the bump took 2, the 5 minutes gave one back, so 2 are left for a, b.
  for (const m of ['a', 'b', 'c', 'd']) await recorder.event(target, 'Warning', 'AllocationFailed', m);
  expect((await fetch()).map((e) => e.message).sort()).toEqual(['a', 'b', 'no available IPs']);
  expect(recorder.stats).toMatchObject({ created: 3, bumped: 1, rateLimited: 2 });
});
