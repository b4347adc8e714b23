// The Event recorder against a real API server: a repeat bumps the count of the one Event it
// created (as client-go's recorder does), another message makes another Event.
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
  const recorder = new EventRecorder(admin, 'l2lb-test', 'host-a', createLogger('debug', {}, (l) => logs.push(l)));
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
