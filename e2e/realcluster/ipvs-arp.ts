// What kube-proxy's IPVS mode does to a node's ARP behaviour, reproduced on the real cluster's
// nodes: the IPVS proxier creates the dummy interface kube-ipvs0 (left down) and binds every
// Service IP to it, LoadBalancer VIPs included; `strictARP: true` additionally sets
// net.ipv4.conf.all.arp_ignore=1 and arp_announce=2. The machines that run the suite have a
// kernel without IPVS (CONFIG_IP_VS is not set), so kube-proxy itself cannot run in that mode
// here; these are the same changes it makes, and the kernel's answers to ARP that follow from them
// are real. That kernel has no dummy interfaces either (CONFIG_DUMMY is not set): kube-ipvs0 is an
// empty bridge, left down like kube-proxy's. The device type does not matter for ARP: an address
// on any interface is local (a route in table local), and that is what the kernel answers for.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RealCluster } from './cluster.js';
import { inNode } from './node.js';

export const IPVS_DUMMY = 'kube-ipvs0';

/** Every node: kube-ipvs0 holding ip (as the IPVS proxier binds each Service IP); see above for the type. */
export async function bindLikeIpvs(c: RealCluster, ip: string): Promise<void> {
  for (const n of c.nodes) {
    await inNode(n.plan, ['ip', 'link', 'add', IPVS_DUMMY, 'type', 'bridge']);
    await inNode(n.plan, ['ip', 'addr', 'add', `${ip}/32`, 'dev', IPVS_DUMMY]);
  }
}

export async function unbindLikeIpvs(c: RealCluster): Promise<void> {
  for (const n of c.nodes) await inNode(n.plan, ['ip', 'link', 'del', IPVS_DUMMY]).catch(() => undefined);
}

/** strictARP's sysctls (true: arp_ignore=1, arp_announce=2; false: the kernel's defaults, 0 and 0). */
export async function setStrictArp(c: RealCluster, on: boolean): Promise<void> {
  for (const n of c.nodes) {
    await inNode(n.plan, ['sysctl', '-qw', `net.ipv4.conf.all.arp_ignore=${on ? 1 : 0}`, `net.ipv4.conf.all.arp_announce=${on ? 2 : 0}`]);
  }
}

/** A container's log as the node's kubelet wrote it (kubectl logs cannot reach the kubelets). */
export function containerLog(c: RealCluster, node: string, namespace: string, pod: string, container: string): string {
  const dir = join(c.node(node).plan.dir, 'pod-logs');
  const podDir = readdirSync(dir).find((d) => d.startsWith(`${namespace}_${pod}_`));
  if (!podDir) return '';
  const cdir = join(dir, podDir, container);
  return readdirSync(cdir).sort().map((f) => readFileSync(join(cdir, f), 'utf8')).join('');
}
