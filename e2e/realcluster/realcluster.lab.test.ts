// l2lb as Kubernetes runs it: 3 real nodes (containerd + kubelet + kube-proxy in lab namespaces),
// l2lb's own image, `helm install` of charts/l2lb, an l2lb-echo Deployment behind LoadBalancer
// Services. Checks what only a real cluster shows: pods Ready with their probes, the client
// reaching pods through the VIP and kube-proxy (IPv4 and IPv6), the speaker container holding only
// NET_RAW and the controller running non-root on a read-only root (read from /proc, not the
// spec), the ServiceL2Status naming the node the client sends to, and failover when the owner
// node dies and when its speaker pod is deleted. Timings are printed; the benchmark measures them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { codeBlocks } from '../../docs/markdown.js';
import { parseEchoReply } from '../../echo/reply.js';
import { repoRoot } from '../testenv/tools.js';
import { describeIf, BUILT } from '../testing/suite-gate.js';
import { waitFor } from '../testenv/wait.js';
import { RealCluster } from './cluster.js';
import { CAP, capNames, findContainerProcesses } from './container-procs.js';
import { measureRealFailover } from './failover.js';
import { arpReplies } from '../cluster/client-checks.js';
import { STRICT_ARP_EVENT_REASON } from '../../speaker/strict-arp/monitor.js';
import { quickStart } from './docs-commands.js';
import { bindLikeIpvs, containerLog, setStrictArp, unbindLikeIpvs } from './ipvs-arp.js';
import { measureRollingUpgrade } from './rollout.js';
import {
  announcingNode, APP_NAMESPACE, CONTROLLER_SELECTOR, echoDeploymentManifest, getFromClient, installL2lbWithEcho, L2LB_NAMESPACE,
  loadBalancerManifest, nodeTheClientHolds, serviceIps, SPEAKER_SELECTOR,
} from './workloads.js';

// The image is built (or found in the cache) by the suite itself; the Go tools by `make setup`.
const describeReal = describeIf({ root: true, built: [BUILT.programs] });
jest.setTimeout(120_000);

const log = (line: string): void => {
  process.stderr.write(`[realcluster] ${line}\n`);
};

describeReal('l2lb on a real 3-node cluster (helm install)', () => {
  let c: RealCluster;
  let v4 = '';
  let v6 = '';
  /** Most consecutive failed requests when the owner's speaker pod was deleted (SIGTERM). */
  let sigtermFailedRun = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    c = await RealCluster.start({ nodes: 3, progress: log });
    ({ v4, v6 } = await installL2lbWithEcho(c, log));
    log(`cluster, chart, backends and Service ready after ${Date.now() - t0} ms`);
  }, 30 * 60_000);

  afterAll(async () => {
    if (!c) return;
    const reports = await c.stop();
    const left = reports.filter((r) => r.pidsLeft.length + r.mountsLeft.length + r.cgroupsLeft.length > 0);
    if (left.length > 0) throw new Error(`tear-down left: ${JSON.stringify(left)}`);
  }, 120_000);

  test('every pod is Ready: 2 controllers, a speaker per node, 3 echo backends, one per node', async () => {
    expect(await c.waitForReadyPods(L2LB_NAMESPACE, SPEAKER_SELECTOR, 3)).toHaveLength(3);
    expect(await c.waitForReadyPods(L2LB_NAMESPACE, CONTROLLER_SELECTOR, 2)).toHaveLength(2);
    await c.waitForReadyPods(APP_NAMESPACE, 'app=echo', 3);
    const pods = await c.core.listNamespacedPod({ namespace: APP_NAMESPACE, labelSelector: 'app=echo' });
    expect(new Set(pods.items.map((p) => p.spec?.nodeName))).toEqual(new Set(['node1', 'node2', 'node3']));
    const speakers = await c.core.listNamespacedPod({ namespace: L2LB_NAMESPACE, labelSelector: SPEAKER_SELECTOR });
    for (const p of speakers.items) expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });

  test('ConfigurationStates: the controller\'s and one per node, Valid, each owned by the Pod that writes it', async () => {
    interface State { metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; uid: string }[] }; status?: { result?: string } }
    const states = async (): Promise<State[]> => (JSON.parse(await c.kubectl(['get', 'configurationstates', '-n', L2LB_NAMESPACE, '-o', 'json'])) as { items: State[] }).items;
    await waitFor('4 Valid ConfigurationStates', async () => {
      const s = await states();
      return s.length === 4 && s.every((x) => x.status?.result === 'Valid');
    }, { timeoutMs: 30_000 });
    const pods = async (selector: string) => (await c.core.listNamespacedPod({ namespace: L2LB_NAMESPACE, labelSelector: selector })).items;
    const speakerUid = new Map((await pods(SPEAKER_SELECTOR)).map((p) => [p.spec?.nodeName, p.metadata?.uid]));
    const controllerUids = new Set((await pods(CONTROLLER_SELECTOR)).map((p) => p.metadata?.uid));
    for (const s of await states()) {
      const owners = s.metadata.ownerReferences ?? [];
      expect([s.metadata.name, owners.map((o) => o.kind)]).toEqual([s.metadata.name, ['Pod']]);
      if (s.metadata.name === 'controller') expect(controllerUids.has(owners[0]!.uid)).toBe(true);
      else expect(owners[0]!.uid).toBe(speakerUid.get(s.metadata.labels?.['metallb.io/node-name']));
    }
  });

  test('the IPv4 and IPv6 VIPs answer from the client through kube-proxy, from pods on every node', async () => {
    for (const ip of [v4, v6]) {
      await waitFor(`${ip} answers`, async () => (await getFromClient(c, ip)) !== undefined, { timeoutMs: 30_000, intervalMs: 200 });
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 3; i++) {
        const r = await getFromClient(c, ip);
        expect(r).toBeDefined();
        seen.add(r!.node);
      }
      log(`${ip}: answered by pods on ${[...seen].sort().join(', ')}`);
      // externalTrafficPolicy Cluster: kube-proxy spreads requests over the pods of every node.
      expect(seen.size).toBeGreaterThan(1);
    }
  });

  test('the ServiceL2Status names the node whose MAC the client holds for each VIP', async () => {
    for (const ip of [v4, v6]) {
      await getFromClient(c, ip);
      const owner = await announcingNode(c, 'echo');
      expect(owner).toBeDefined();
      if (ip === v4) expect(await nodeTheClientHolds(c, ip)).toBe(owner);
    }
    const out = await c.kubectl(['get', 'servicel2statuses', '-n', L2LB_NAMESPACE]);
    log(`kubectl get servicel2statuses:\n${out}`);
    expect(out).toContain(`${await announcingNode(c, 'echo')}`);
  });

  test('speaker containers hold only NET_RAW; controllers run as 65532 on a read-only root', () => {
    for (const n of c.nodes) {
      const speakers = findContainerProcesses(n.plan.cgroupRoot, 'speaker/main.js');
      expect(speakers.map((p) => p.pid)).toHaveLength(1);
      const s = speakers[0]!;
      log(`${n.plan.name} speaker pid ${s.pid}: uid ${s.uid}, CapEff ${s.capEff.toString(16)} (${capNames(s.capEff).join(',')}), ro root ${s.readOnlyRoot}`);
      expect(s.capEff).toBe(1n << BigInt(CAP.NET_RAW));
      expect(s.readOnlyRoot).toBe(true);
    }
    const controllers = c.nodes.flatMap((n) => findContainerProcesses(n.plan.cgroupRoot, 'bin/l2lb-controller'));
    expect(controllers).toHaveLength(2);
    for (const p of controllers) {
      expect(p.uid).toBe(65532);
      expect(p.capEff).toBe(0n);
      expect(p.readOnlyRoot).toBe(true);
    }
  });

  test('docs/quick-start.md, run: the EXTERNAL-IP and ServiceL2Status it prints, the client reaching the VIP and holding the named node\'s MAC', async () => {
    // The page's commands and files; the lab's addresses and l2lb-echo for nginx (docs-commands.ts).
    const q = quickStart(codeBlocks(join(repoRoot(), 'docs/quick-start.md'), repoRoot()), c.images.product.ref);
    const dir = mkdtempSync(join(tmpdir(), 'l2lb-quick-start-'));
    const row = (out: string, first: string): string[] | undefined => out.split('\n').find((l) => l.startsWith(`${first} `))?.trim().split(/\s+/);
    const header = (out: string): string => out.split('\n')[0]!.trim().split(/\s+/).join(' ');
    try {
      for (const f of q.files) writeFileSync(join(dir, f.name), f.text);
      for (const cmd of q.kubectl) {
        const line = cmd.join(' ');
        let out = '';
        // The page shows each output a few seconds after the step before it ("AGE 4s"): retry
        // until it has the row it shows.
        await waitFor(`\`${line}\` as the page shows it`, async () => {
          out = await c.kubectl(cmd.slice(1), undefined, dir);
          if (line === 'kubectl get svc web') return row(out, 'web')?.[3] === q.printedExternalIp;
          // The speaker creates the object, then writes its status: wait for the filled row.
          if (line.startsWith('kubectl get servicel2statuses')) return (row(out, 'l2-default-web')?.length ?? 0) >= 6;
          return true;
        }, { timeoutMs: 90_000, intervalMs: 500 });
        log(`$ ${line}\n${out.trimEnd()}`);
        if (line.startsWith('kubectl get ipaddresspools')) expect(row(out, 'lan')).toBeDefined();
        if (line === 'kubectl get svc web') expect(header(out)).toBe(q.sampleHeaders.get('TYPE'));
        if (line.startsWith('kubectl get servicel2statuses')) {
          expect(header(out)).toBe(q.sampleHeaders.get('ALLOCATED'));
          const [, node, service, namespace, interfaces] = row(out, 'l2-default-web')!;
          expect([node, service, namespace, interfaces]).toEqual([await announcingNode(c, 'web'), 'web', 'default', 'eth0']);
        }
      }
      const described = await c.kubectl(['describe', 'svc', 'web', '-n', 'default']);
      expect(described).toContain('IPAllocated');
      await waitFor('the speaker\'s nodeAssigned Event', async () => (await c.kubectl(['describe', 'svc', 'web', '-n', 'default'])).includes('nodeAssigned'), { timeoutMs: 30_000 });
      const owner = await announcingNode(c, 'web');
      const [curl, neigh] = q.client;
      const answer = await c.lab.exec(c.lab.client.ns, ['sh', '-c', curl!]);
      log(`client$ ${curl}\n${answer.stdout.trimEnd()}`);
      expect(parseEchoReply(answer.stdout)?.pod).toMatch(/^web-/);
      const held = await c.lab.exec(c.lab.client.ns, ['sh', '-c', neigh!]);
      log(`client$ ${neigh}\n${held.stdout.trimEnd()}`);
      expect(held.stdout).toContain(`lladdr ${c.lab.nodes.find((n) => n.name === owner)!.mac}`);
    } finally {
      for (const f of [...q.files].reverse()) await c.kubectl(['delete', '-f', f.name, '--wait=false'], undefined, dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kubectl delete pod of the owner\'s speaker: the VIP moves, requests keep being answered', async () => {
    const m = await measureRealFailover(c, 'echo', v4, 'pod');
    log(`speaker pod deleted on ${m.from}: VIP to ${m.to}, client's MAC changed after ${Math.round(m.neighborMs)} ms; ${m.failed} of ${m.total} requests failed`);
    expect(m.to).not.toBe(m.from);
    expect(m.failed).toBeLessThanOrEqual(3);
    sigtermFailedRun = m.failed;
    expect(await nodeTheClientHolds(c, v4)).toBe(m.to);
    await c.waitForReadyPods(L2LB_NAMESPACE, SPEAKER_SELECTOR, 3, 120_000);
  });

  test('helm upgrade to a new image tag: every speaker is replaced, no request fails for longer than on one speaker\'s SIGTERM', async () => {
    const u = await measureRollingUpgrade(c, 'echo', v4, 'l2lb', 'upgraded');
    log(`helm upgrade to ${u.imageRef}: rolled out in ${Math.round(u.rolloutMs)} ms; owners ${u.owners.join(' -> ')}; ${u.failed} of ${u.total} requests failed, at most ${u.longestFailedRun} in a row (longest gap between answers ${Math.round(u.longestGapMs)} ms); one speaker's SIGTERM: ${sigtermFailedRun} failed`);
    const speakers = await c.core.listNamespacedPod({ namespace: L2LB_NAMESPACE, labelSelector: SPEAKER_SELECTOR });
    expect(speakers.items.map((p) => p.spec?.containers[0]?.image)).toEqual([u.imageRef, u.imageRef, u.imageRef]);
    expect(u.speakersAfter.filter((n) => u.speakersBefore.includes(n))).toEqual([]);
    // Each replaced speaker is one SIGTERM: an outage longer than the single-delete bound would
    // mean a rollout step lost the VIP (e.g. the new speaker answering before it heard its peers).
    expect(u.longestFailedRun).toBeLessThanOrEqual(3);
    expect(u.total).toBeGreaterThan(0);
  });

  test('externalTrafficPolicy Local: the VIP is on a node with a ready pod, keeps the client\'s address, and moves when that node loses its last ready pod', async () => {
    const app = 'echo-local';
    await c.kubectl(['apply', '-f', '-'], echoDeploymentManifest(app, c.images.product.ref, 2));
    await c.kubectl(['apply', '-f', '-'], loadBalancerManifest(app, app, { local: true }));
    await c.waitForReadyPods(APP_NAMESPACE, `app=${app}`, 2);
    const [ip] = await serviceIps(c, app, 1);
    const readyPodNodes = async (): Promise<Map<string, string>> => {
      const pods = await c.core.listNamespacedPod({ namespace: APP_NAMESPACE, labelSelector: `app=${app}` });
      const ready = pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return new Map(ready.map((p) => [p.spec!.nodeName!, p.metadata!.name!]));
    };
    // Answers only from the owner's own pod (Local: kube-proxy forwards to local endpoints only),
    // with the client's own address (no SNAT).
    const answersFromOwnPod = async (owner: string): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        const r = await getFromClient(c, ip!);
        expect(r).toBeDefined();
        expect(r!.node).toBe(owner);
        expect(r!.client).toBe(c.lab.client.ipv4);
      }
    };
    let owner = '';
    await waitFor(`${ip} announced from a node with a ready ${app} pod`, async () => {
      owner = (await announcingNode(c, app)) ?? '';
      return (await readyPodNodes()).has(owner) && (await getFromClient(c, ip!)) !== undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const before = await readyPodNodes();
    log(`${app} ${ip}: pods on ${[...before.keys()].sort().join(', ')}; announced by ${owner}`);
    expect(await nodeTheClientHolds(c, ip!)).toBe(owner);
    await answersFromOwnPod(owner);

    // The owner's node loses its last ready pod (cordoned, so the replacement goes elsewhere).
    await c.kubectl(['cordon', owner]);
    try {
      await c.kubectl(['delete', 'pod', '-n', APP_NAMESPACE, before.get(owner)!, '--wait=false']);
      const t0 = Date.now();
      let moved = '';
      await waitFor(`${ip} leaving ${owner}`, async () => {
        moved = (await announcingNode(c, app)) ?? owner;
        return moved !== owner;
      }, { timeoutMs: 30_000, intervalMs: 100 });
      const movedMs = Date.now() - t0;
      const after = await readyPodNodes();
      log(`${app}: pod on ${owner} deleted; VIP to ${moved} after ${movedMs} ms (ready pods on ${[...after.keys()].sort().join(', ')})`);
      expect(after.has(moved)).toBe(true);
      // The replacement pod (on the third node) makes that node eligible too: settle, then check
      // the owner again.
      await c.waitForReadyPods(APP_NAMESPACE, `app=${app}`, 2);
      let now = '';
      await waitFor(`${ip} answered from its announcing node`, async () => {
        now = (await announcingNode(c, app)) ?? '';
        return (await getFromClient(c, ip!))?.node === now && (await nodeTheClientHolds(c, ip!)) === now;
      }, { timeoutMs: 30_000, intervalMs: 250 });
      expect(now).not.toBe(owner);
      expect((await readyPodNodes()).has(now)).toBe(true);
      await answersFromOwnPod(now);
    } finally {
      await c.kubectl(['uncordon', owner]);
    }
  });

  test('kube-proxy IPVS without strictARP: every node answers ARP for the VIP and every speaker says so (log line, Node Event); with strictARP one answerer', async () => {
    const speakerLogs = async (): Promise<Map<string, string>> => {
      const pods = await c.core.listNamespacedPod({ namespace: L2LB_NAMESPACE, labelSelector: SPEAKER_SELECTOR });
      return new Map(pods.items.map((p) => [p.spec!.nodeName!, containerLog(c, p.spec!.nodeName!, L2LB_NAMESPACE, p.metadata!.name!, 'speaker')]));
    };
    const owner = await announcingNode(c, 'echo');
    const ownerMac = c.lab.nodes.find((n) => n.name === owner)?.mac;
    expect([...(await arpReplies(c, v4)).keys()]).toEqual([ownerMac]);
    await setStrictArp(c, false);
    await bindLikeIpvs(c, v4);
    try {
      const answering = await arpReplies(c, v4);
      log(`kube-ipvs0 holds ${v4}, strictARP off: ARP answered by ${answering.size} MACs (${[...answering.keys()].join(', ')})`);
      expect(new Set(answering.keys())).toEqual(new Set(c.lab.nodes.map((n) => n.mac)));
      await waitFor('a warning from every speaker', async () => [...(await speakerLogs()).values()].every((l) => l.includes('kubeProxyStrictArpOff')), { timeoutMs: 30_000, intervalMs: 500 });
      const line = [...(await speakerLogs()).get(owner!)!.split('\n')].find((l) => l.includes('kubeProxyStrictArpOff'))!;
      log(`speaker on ${owner}: ${line.slice(0, 600)}`);
      expect(line).toContain('net.ipv4.conf.all.arp_ignore=1');
      expect(line).toContain('arp_ignore=0');
      let nodes = new Set<string>();
      await waitFor('a Warning Event on every Node', async () => {
        const events = await c.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.kind=Node,reason=${STRICT_ARP_EVENT_REASON}` });
        nodes = new Set(events.items.filter((e) => e.type === 'Warning').map((e) => e.involvedObject.name ?? ''));
        return nodes.size === c.nodes.length;
      }, { timeoutMs: 30_000, intervalMs: 500 });
      const described = await c.kubectl(['describe', 'node', owner!]);
      expect(described).toContain(STRICT_ARP_EVENT_REASON);

      await setStrictArp(c, true);
      expect([...(await arpReplies(c, v4)).keys()]).toEqual([ownerMac]);
      await waitFor('every speaker seeing strictARP in effect', async () => [...(await speakerLogs()).values()].every((l) => l.includes('kubeProxyStrictArpOn')), { timeoutMs: 30_000, intervalMs: 500 });
    } finally {
      await unbindLikeIpvs(c);
      await setStrictArp(c, false);
    }
  });

  test('the owner node dies (kubelet, runtime, containers killed, link down): the VIP comes back on another node', async () => {
    const m = await measureRealFailover(c, 'echo', v4, 'node');
    log(`node ${m.from} killed: VIP to ${m.to}, client's MAC changed after ${Math.round(m.neighborMs)} ms, first answer after ${Math.round(m.firstAnswerMs)} ms (a pod on ${m.firstAnswerNode}); ${m.failed} of ${m.total} requests failed meanwhile`);
    expect(m.to).not.toBe(m.from);
    expect(m.firstAnswerNode).not.toBe(m.from);
    expect(await nodeTheClientHolds(c, v4)).toBe(m.to);
  });
});
