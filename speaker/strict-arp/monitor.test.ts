// The monitor on a real directory laid out as /proc/sys/net/ipv4/conf, with an Event sink that
// records what it is given.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventSink, EventTarget, EventType } from '../../shared/k8s/events.js';
import { createLogger } from '../../shared/log.js';
import { STRICT_ARP_EVENT_REASON, StrictArpMonitor } from './monitor.js';

let root = '';
const lines: string[] = [];
const events: { target: EventTarget; type: EventType; reason: string; message: string }[] = [];
const sink: EventSink = { event: (target, type, reason, message) => (events.push({ target, type, reason, message }), Promise.resolve('written' as const)) };

function setSysctls(iface: string, arpIgnore: number, arpAnnounce: number): void {
  mkdirSync(join(root, iface), { recursive: true });
  writeFileSync(join(root, iface, 'arp_ignore'), `${arpIgnore}\n`);
  writeFileSync(join(root, iface, 'arp_announce'), `${arpAnnounce}\n`);
}

function monitor(): StrictArpMonitor {
  const log = createLogger('info', { component: 'test' }, (line) => lines.push(line));
  return new StrictArpMonitor({ nodeName: 'node1', log, events: sink, nodeUid: () => 'uid-1', sysctlRoot: root });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'strict-arp-'));
  lines.length = 0;
  events.length = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('IPVS without strictARP: one warning line naming the sysctls and one Warning Event on the Node; repeats say nothing', async () => {
  setSysctls('all', 0, 0);
  setSysctls('eth0', 0, 0);
  const m = monitor();
  expect((await m.interfacesChanged(['lo', 'eth0', 'kube-ipvs0'], ['eth0'])).kind).toBe('loose');
  await m.check();
  await m.interfacesChanged(['lo', 'eth0', 'kube-ipvs0'], ['eth0']);
  const warnings = lines.filter((l) => l.includes('kubeProxyStrictArpOff'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('net.ipv4.conf.all.arp_ignore=1');
  expect(warnings[0]).toContain('net.ipv4.conf.eth0.arp_ignore=0');
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ target: { kind: 'Node', name: 'node1', uid: 'uid-1' }, type: 'Warning', reason: STRICT_ARP_EVENT_REASON });
  expect(events[0]!.message).toContain('strictARP');
});

test('strictARP set later (no interface change): the next check says it is in effect', async () => {
  setSysctls('all', 0, 0);
  setSysctls('eth0', 0, 0);
  const m = monitor();
  await m.interfacesChanged(['eth0', 'kube-ipvs0'], ['eth0']);
  setSysctls('all', 1, 2);
  expect((await m.check()).kind).toBe('strict');
  expect(lines.filter((l) => l.includes('kubeProxyStrictArpOn'))).toHaveLength(1);
  expect(events).toHaveLength(1);
});

test('iptables mode (no kube-ipvs0) with default sysctls: silent', async () => {
  setSysctls('all', 0, 0);
  setSysctls('eth0', 0, 0);
  expect((await monitor().interfacesChanged(['lo', 'eth0'], ['eth0'])).kind).toBe('notIpvs');
  expect(lines).toEqual([]);
  expect(events).toEqual([]);
});

test('unreadable sysctls: one warning, no verdict, no crash', async () => {
  const m = monitor();
  expect((await m.interfacesChanged(['eth0', 'kube-ipvs0'], ['eth0'])).kind).toBe('notIpvs');
  await m.check();
  expect(lines.filter((l) => l.includes('strictArpUnreadable'))).toHaveLength(1);
  expect(events).toEqual([]);
});
