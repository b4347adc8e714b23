// One real Kubernetes node inside a lab node namespace: containerd (Debian's 1.6) with the bridge
// CNI, the kubelet and kube-proxy, each a process of the test run. Programs start with
// `nsenter --net=` (not `ip netns exec`, which remounts /sys and hides /sys/fs/cgroup).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { leaf, renderSubject, type CertPaths } from '../testenv/certs.js';
import { renderKubeconfig } from '../testenv/kubeconfig.js';
import { startProcess, type ManagedProcess } from '../testenv/proc.js';
import { waitFor } from '../testenv/wait.js';
import { containerdConfig, cniConfig, kubeletConfig, kubeProxyConfig, type ProxyMode } from './configs.js';
import type { ImageArchive } from './images.js';
import type { NodePlan } from './plan.js';
import { cgroupHierarchies, killCgroup } from './teardown.js';

const run = promisify(execFile);

export interface NodeTools {
  readonly kubelet: string;
  readonly kubeProxy: string;
}

export interface NodeStartInput {
  readonly plan: NodePlan;
  readonly tools: NodeTools;
  /** API server URL as the node reaches it (the lab's host address). */
  readonly server: string;
  /** The node network's gateway (the lab's host address), for the nodes' default routes. */
  readonly gateway: { readonly ipv4: string; readonly ipv6: string };
  readonly ca: CertPaths;
  readonly caPem: string;
  readonly admin: KubeConfig;
  readonly images: readonly ImageArchive[];
  readonly proxyMode: ProxyMode;
  readonly strictArp: boolean;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface RunningNode {
  readonly plan: NodePlan;
  readonly procs: Map<'containerd' | 'kubelet' | 'kube-proxy', ManagedProcess>;
  /** Milliseconds per step: containerd, images, kubelet (to Node Ready), kube-proxy. */
  readonly timings: Record<string, number>;
}

export function nsenter(ns: string, argv: readonly string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${ns}`, ...argv]];
}

/** Runs argv in the node's network namespace; throws with its output on failure. */
export async function inNode(plan: NodePlan, argv: readonly string[]): Promise<string> {
  const [file, args] = nsenter(plan.ns, argv);
  return (await run(file, args, { maxBuffer: 16 << 20 })).stdout;
}

function startIn(plan: NodePlan, name: 'containerd' | 'kubelet' | 'kube-proxy', argv: readonly string[]): ManagedProcess {
  const [file, args] = nsenter(plan.ns, argv);
  const p = startProcess(name, file, args, join(plan.dir, `${name}.log`));
  writeFileSync(join(plan.dir, `${name}.pid`), `${p.pid}\n`);
  return p;
}

function makeCgroupRoot(root: string): void {
  for (const h of cgroupHierarchies()) {
    mkdirSync(join('/sys/fs/cgroup', h, root), { recursive: true });
    if (h === 'cpuset') {
      // A v1 cpuset cgroup starts with no cpus/mems: copy the parent's.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join('/sys/fs/cgroup/cpuset', root, f), readFileSync(join('/sys/fs/cgroup/cpuset', f)));
    }
  }
  for (const h of cgroupHierarchies()) mkdirSync(join('/sys/fs/cgroup', h, root, 'kubelet'), { recursive: true });
}

async function nodeKubeconfig(i: NodeStartInput, name: string, cn: string, orgs: readonly string[]): Promise<string> {
  const cert = await leaf(i.plan.dir, name, renderSubject(cn, orgs), 'client', i.ca);
  const path = join(i.plan.dir, `${name}.kubeconfig`);
  writeFileSync(path, renderKubeconfig({
    server: i.server,
    caPem: i.caPem,
    user: cn,
    credentials: { kind: 'cert', certPem: readFileSync(cert.cert, 'utf8'), keyPem: readFileSync(cert.key, 'utf8') },
  }), { mode: 0o600 });
  return path;
}

export async function startNode(i: NodeStartInput): Promise<RunningNode> {
  const n = i.plan;
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (step: string): void => {
    timings[step] = Date.now() - t0;
    i.log(`${n.name}: ${step} after ${timings[step]} ms`);
  };
  const procs: RunningNode['procs'] = new Map();
  for (const d of [n.dir, join(n.dir, 'cni'), join(n.dir, 'kubelet'), n.runDir]) mkdirSync(d, { recursive: true });
  makeCgroupRoot(n.cgroupRoot);
  // Forwarding for pods; bridge netfilter so pod -> Service -> pod on one bridge is NATed.
  await inNode(n, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
  // A default route, as every real node has: without one, the node's own connections to Service
  // IPs (hostNetwork pods such as the speaker dialling 10.96.0.1) fail the route lookup before
  // kube-proxy's DNAT can apply.
  await inNode(n, ['ip', 'route', 'replace', 'default', 'via', i.gateway.ipv4]);
  await inNode(n, ['ip', '-6', 'route', 'replace', 'default', 'via', i.gateway.ipv6]);
  await run('modprobe', ['br_netfilter']).catch(() => undefined);
  await inNode(n, ['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1']);
  writeFileSync(join(n.dir, 'cni/10-pods.conflist'), cniConfig(n));
  writeFileSync(join(n.dir, 'containerd.toml'), containerdConfig(n));

  const containerd = startIn(n, 'containerd', ['/usr/bin/containerd', '--config', join(n.dir, 'containerd.toml')]);
  procs.set('containerd', containerd);
  await waitFor(`${n.name}: containerd`, async () => {
    if (!existsSync(n.socket)) return false;
    await run('ctr', ['-a', n.socket, 'version']);
    return true;
  }, { timeoutMs: i.timeoutMs, proc: containerd, intervalMs: 100 });
  mark('containerd up');
  // --no-unpack: the CRI plugin unpacks for its snapshotter when a pod first uses the image.
  for (const img of i.images) await run('ctr', ['-a', n.socket, '-n', 'k8s.io', 'images', 'import', '--no-unpack', img.archive]);
  mark('images imported');

  const kubeletKc = await nodeKubeconfig(i, 'kubelet', `system:node:${n.name}`, ['system:nodes']);
  writeFileSync(join(n.dir, 'kubelet.yaml'), kubeletConfig(n, { caFile: i.ca.cert }));
  const kubelet = startIn(n, 'kubelet', [
    i.tools.kubelet, `--config=${join(n.dir, 'kubelet.yaml')}`, `--kubeconfig=${kubeletKc}`,
    `--root-dir=${join(n.dir, 'kubelet')}`, `--cert-dir=${join(n.dir, 'kubelet/pki')}`,
    `--hostname-override=${n.name}`, `--node-ip=${n.ipv4},${n.ipv6}`, '--v=1',
  ]);
  procs.set('kubelet', kubelet);
  const core = i.admin.makeApiClient(CoreV1Api);
  await waitFor(`${n.name}: Node Ready`, async () => {
    const node = await core.readNode({ name: n.name });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  }, { timeoutMs: i.timeoutMs, proc: kubelet, intervalMs: 250 });
  mark('Node Ready');

  const proxyKc = await nodeKubeconfig(i, 'kube-proxy', 'system:kube-proxy', []);
  writeFileSync(join(n.dir, 'kube-proxy.yaml'), kubeProxyConfig(n, { kubeconfig: proxyKc, mode: i.proxyMode, strictArp: i.strictArp }));
  const proxy = startIn(n, 'kube-proxy', [i.tools.kubeProxy, `--config=${join(n.dir, 'kube-proxy.yaml')}`, '--v=1']);
  procs.set('kube-proxy', proxy);
  await waitFor(`${n.name}: kube-proxy healthy`, async () => {
    await inNode(n, ['curl', '-fs', '-m', '1', 'http://127.0.0.1:10256/healthz']);
    return true;
  }, { timeoutMs: i.timeoutMs, proc: proxy, intervalMs: 200 });
  mark(`kube-proxy (${i.proxyMode}) healthy`);
  return { plan: n, procs, timings };
}

/**
 * The node dies as a machine does: its link goes down, then its kubelet, kube-proxy, runtime and
 * every container are SIGKILLed. Its dirs stay for the run's tear-down.
 */
export async function killNodeProcesses(node: RunningNode): Promise<void> {
  for (const name of ['kubelet', 'kube-proxy', 'containerd'] as const) {
    const p = node.procs.get(name);
    if (p && !p.hasExited()) process.kill(p.pid, 'SIGKILL');
  }
  killCgroup(node.plan.cgroupRoot);
  await Promise.all([...node.procs.values()].map((p) => p.exited));
}
