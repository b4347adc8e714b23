// MetalLB v0.16 parity on the real programs: MetalLB's documented L2Advertisement examples apply
// unchanged and keep every field; a preferred node announces, the VIP leaves it when it dies and
// comes back when it returns; a Service outside an advertisement's serviceSelectors is not
// announced by it; every component's ConfigurationState turns Invalid with a bad pool's message
// and Valid again; both programs export every metric the reference lists; and spec.externalIPs
// are announced only with the opt-in and only inside a pool, with an Event saying why otherwise.
import { jest } from '@jest/globals';
import type { CoreV1Event } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { rankCandidates } from '../../speaker/election/rank.js';
import { rawJson } from '../testenv/raw-api.js';
import { repoRoot } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';
import { serviceEvents } from './client-checks.js';
import { measureFailover, restore } from './failover.js';
import { LabCluster } from './lab-cluster.js';
import { speakerMetrics } from './scrape.js';

const describeRoot = process.getuid?.() === 0 || process.env['CI'] === 'true' ? describe : describe.skip;
jest.setTimeout(120_000);

const NS = 'metallb-system';
const group = 'metallb.io';
const version = 'v1beta1';
const EXTERNAL_ON = '--announce-external-ips';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { result?: string; errorSummary?: string };
}

const examples = (): Obj[] =>
  parseAllDocuments(readFileSync(join(repoRoot(), 'e2e/cluster/testdata/metallb-v0.16-l2advertisements.yaml'), 'utf8')).map((d) => d.toJS() as Obj);

describeRoot('MetalLB v0.16 parity (3 node namespaces)', () => {
  let c: LabCluster;
  const nodes = (): string[] => c.nodes.map((n) => n.name);
  const objPath = (plural: string, name = ''): string => `/apis/${group}/${version}/namespaces/${NS}/${plural}${name ? `/${name}` : ''}`;
  const create = (plural: string, body: Obj): Promise<Obj> => rawJson<Obj>(c.kc, 'POST', objPath(plural), body);
  const pool = (name: string, spec: Record<string, unknown>): Obj => ({ apiVersion: `${group}/${version}`, kind: 'IPAddressPool', metadata: { name, namespace: NS }, spec });
  const answeredBy = (ip: string, node: string, timeoutMs = 20_000): Promise<void> => {
    let last: string | null = null;
    return waitFor(`${ip} answered by ${node}`, async () => (last = await c.connect(ip, 300)) === node, { timeoutMs, intervalMs: 100 }).catch((err: unknown) => {
      throw new Error(`${String(err)}; last answer: ${last ?? 'none'}`);
    });
  };

  async function firstEvent(service: string, reason: string): Promise<CoreV1Event> {
    let found: CoreV1Event | undefined;
    await waitFor(`${reason} Event on ${service}`, async () => (found = (await serviceEvents(c, service, reason))[0]) !== undefined, { timeoutMs: 15_000 });
    return found!;
  }

  beforeAll(async () => {
    c = await LabCluster.start({ nodes: 3, namespace: NS });
    // Preferences below: node2 scores 200 for production-pool (edge, and role lb for prefer-edge),
    // node1 100 (zone primary), node3 50 (zone secondary); for frontends in shared-pool node1 100.
    await c.kubelet.labelNode('node1', { zone: 'primary' });
    await c.kubelet.labelNode('node2', { 'node-role': 'edge', role: 'lb' });
    await c.kubelet.labelNode('node3', { zone: 'secondary' });
    await create('ipaddresspools', pool('production-pool', { addresses: ['192.0.2.200-192.0.2.201'] }));
    await create('ipaddresspools', pool('shared-pool', { addresses: ['192.0.2.202-192.0.2.203', '192.0.2.207/32'] }));
    await create('ipaddresspools', pool('ext-pool', { addresses: ['192.0.2.204-192.0.2.205'], autoAssign: false }));
    await create('l2advertisements', { apiVersion: `${group}/${version}`, kind: 'L2Advertisement', metadata: { name: 'ext', namespace: NS }, spec: { ipAddressPools: ['ext-pool'] } });
  }, 180_000);

  afterAll(async () => {
    await c?.stop();
  });

  test('MetalLB\'s documented examples apply unchanged and read back with every field', async () => {
    for (const ex of examples()) {
      await create('l2advertisements', ex);
      const back = await rawJson<Obj>(c.kc, 'GET', objPath('l2advertisements', ex.metadata.name));
      expect({ name: ex.metadata.name, spec: back.spec }).toEqual({ name: ex.metadata.name, spec: ex.spec });
    }
  });

  test('the preferred node announces; the VIP goes elsewhere when it dies and comes back when it returns', async () => {
    await c.createService('pref', { annotations: { 'metallb.io/address-pool': 'production-pool' } });
    const [ip] = await c.waitForIps('pref');
    expect(ip).toBe('192.0.2.200');
    // The hash alone would pick another node: the preference is what decides.
    expect(rankCandidates(ip!, nodes())[0]).not.toBe('node2');
    await answeredBy(ip!, 'node2');
    await waitFor('ServiceL2Status of pref naming node2', async () => (await c.announcingNode('pref')) === 'node2', { timeoutMs: 15_000 });
    const m = await measureFailover(c, ip!, 'kill');
    expect([m.from, m.to]).toEqual(['node2', 'node1']); // next best score, not the next hash
    await restore(c, 'node2');
    await answeredBy(ip!, 'node2');
  });

  test('a Service outside an advertisement\'s serviceSelectors is not announced by it; one it selects is, from its preferred node', async () => {
    await c.createService('frontend', { labels: { app: 'frontend' }, annotations: { 'metallb.io/address-pool': 'shared-pool' } });
    await c.createService('backend', { labels: { app: 'backend' }, annotations: { 'metallb.io/address-pool': 'shared-pool' } });
    const [front] = await c.waitForIps('frontend');
    const [back] = await c.waitForIps('backend');
    await answeredBy(front!, 'node1');
    // Give every speaker time to have decided, then: nobody answers, nobody claims it.
    await waitFor('ServiceL2Status of frontend', async () => (await c.announcingNode('frontend')) === 'node1', { timeoutMs: 15_000 });
    for (let i = 0; i < 5; i++) expect(await c.connect(back!, 300)).toBeNull();
    expect(await c.announcingNode('backend')).toBeUndefined();
    // The controller says why, naming the serviceSelectors; the selected Service gets no such Warning.
    expect((await firstEvent('backend', 'NotAnnounced')).message).toMatch(/serviceSelectors and none matches this Service's labels/);
    expect(await serviceEvents(c, 'frontend', 'NotAnnounced')).toEqual([]);
  });

  test('allow-shared-ip on a Service an advertisement selects by serviceSelectors is refused, with one Warning Event', async () => {
    await c.createService('shared-front', { labels: { app: 'frontend' }, annotations: { 'metallb.io/address-pool': 'shared-pool', 'metallb.universe.tf/allow-shared-ip': 'k' } });
    const [ip] = await c.waitForIps('shared-front');
    const refused = await firstEvent('shared-front', 'announceRefused');
    expect(refused.type).toBe('Warning');
    expect(refused.message).toMatch(/allow-shared-ip.*serviceSelectors/);
    expect(refused.source?.host ?? refused.reportingInstance).toBe('node1'); // the node it would have elected, only
    for (let i = 0; i < 3; i++) expect(await c.connect(ip!, 300)).toBeNull();
  });

  test('every component\'s ConfigurationState turns Invalid with the bad pool\'s message, and Valid again when fixed', async () => {
    const states = async (): Promise<Map<string, Obj>> =>
      new Map((await rawJson<{ items: Obj[] }>(c.kc, 'GET', objPath('configurationstates'))).items.map((o) => [o.metadata.name, o]));
    const names = ['controller', ...nodes().map((n) => `speaker-${n}`)].sort();
    const allAre = (result: string, summary: RegExp) => async (): Promise<boolean> => {
      const s = await states();
      return names.every((n) => s.get(n)?.status?.result === result && summary.test(s.get(n)?.status?.errorSummary ?? ''));
    };
    await waitFor('all Valid', allAre('Valid', /^$/), { timeoutMs: 15_000 });
    const s = await states();
    expect([...s.keys()].sort()).toEqual(names);
    expect(s.get('speaker-node1')?.metadata.labels).toEqual({ 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': 'node1' });

    await create('ipaddresspools', pool('overlapping', { addresses: ['192.0.2.200/30'] }));
    await waitFor('all Invalid', allAre('Invalid', /IPAddressPool "overlapping": .*overlaps/), { timeoutMs: 15_000 });
    await rawJson(c.kc, 'PATCH', objPath('ipaddresspools', 'overlapping'), { spec: { addresses: ['198.51.100.0/30'] } }, { 'Content-Type': 'application/merge-patch+json' });
    await waitFor('all Valid again', allAre('Valid', /^$/), { timeoutMs: 15_000 });
  });

  test('both programs export every metric the metrics reference lists', async () => {
    const ref = readFileSync(join(repoRoot(), 'docs/reference/metrics.md'), 'utf8');
    const section = (title: string): string[] => {
      const body = ref.split(/^## /m).find((s) => s.startsWith(title)) ?? '';
      return [...body.matchAll(/^\| `((?:metallb|l2lb)_[a-z0-9_]+)`/gm)].map((m) => m[1]!);
    };
    const exported = (text: string): Set<string> => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const controller = exported(await (await fetch(`http://127.0.0.1:${c.controllerMetricsPort}/metrics`)).text());
    const speaker = exported(await speakerMetrics(c, 'node1'));
    const wantController = section('Controller');
    const wantSpeaker = section('Speaker');
    expect(wantController).toEqual(expect.arrayContaining(['metallb_allocator_ipv4_addresses_total', 'metallb_allocator_services_allocated_total']));
    expect(wantController.filter((n) => !controller.has(n))).toEqual([]);
    expect(wantSpeaker.filter((n) => !speaker.has(n))).toEqual([]);
  });

  test('externalIPs: off by default, with an Event saying why; on: answered from the elected node, failing over; outside every pool: never', async () => {
    const ext = '192.0.2.204';
    await c.createService('ext', { spec: { type: 'ClusterIP', externalIPs: [ext] } });
    const off = await firstEvent('ext', 'externalIPsNotAnnounced');
    expect(off.type).toBe('Warning');
    expect(off.message).toContain('--announce-external-ips');
    for (let i = 0; i < 3; i++) expect(await c.connect(ext, 300)).toBeNull();

    for (const n of nodes()) {
      await c.speakers.get(n)!.stop('SIGTERM');
      await c.startSpeaker(n, true, [EXTERNAL_ON]);
    }
    const owner = rankCandidates(ext, nodes())[0]!;
    // Every speaker has just restarted: membership settles first (slow on a loaded machine).
    await answeredBy(ext, owner, 60_000);
    await waitFor(`ServiceL2Status of ext naming ${owner}`, async () => (await c.announcingNode('ext')) === owner, { timeoutMs: 15_000 });
    const m = await measureFailover(c, ext, 'kill');
    expect([m.from, m.to]).toEqual([owner, rankCandidates(ext, nodes().filter((n) => n !== owner))[0]]);
    await c.lab.setLink(c.node(owner).ns, 'up');
    await c.startSpeaker(owner, true, [EXTERNAL_ON]);
    await answeredBy(ext, owner);

    const outside = '192.0.2.206';
    await c.createService('ext-outside', { spec: { type: 'ClusterIP', externalIPs: [outside] } });
    const why = await firstEvent('ext-outside', 'externalIPsNotAnnounced');
    expect(why.message).toContain(`${outside} lies in no IPAddressPool`);
    for (let i = 0; i < 3; i++) expect(await c.connect(outside, 300)).toBeNull();
  });
});
