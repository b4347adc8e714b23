// Names, paths and addresses of one real-cluster run. Pure, so the rules that keep concurrent runs
// and leftovers of crashed runs apart live in one place: everything a run creates outside its lab
// namespaces (work dirs, runtime dirs, cgroups, CNI network names) carries `l2lb-rc-<runid>`.
import { join } from 'node:path';
import type { LabEndpoint } from '../lab/lab.js';

/** Prefix of every machine-wide name a run owns; the sweep only touches names that start with it. */
export const RUN_PREFIX = 'l2lb-rc-';
/** Cluster-wide pod ranges; node i gets the i-th /24 and /80. */
export const CLUSTER_CIDR_V4 = '10.244.0.0/16';
export const CLUSTER_CIDR_V6 = 'fd00:10:244::/56';

export interface NodePlan {
  readonly index: number;
  readonly name: string;
  readonly ns: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** Work dir: containerd root, kubelet root, configs, logs, certificates. */
  readonly dir: string;
  /** Runtime dir (short: it holds unix sockets): containerd state and socket. */
  readonly runDir: string;
  readonly socket: string;
  /** The node's cgroup root in every hierarchy (kubelet's cgroupRoot). */
  readonly cgroupRoot: string;
  readonly podCidrV4: string;
  readonly podCidrV6: string;
  /** Name of its CNI network (libcni keeps a machine-wide cache keyed by it). */
  readonly cniNetwork: string;
}

export interface RunPlan {
  readonly runId: string;
  readonly baseDir: string;
  readonly nodes: readonly NodePlan[];
}

export function runName(runId: string): string {
  return `${RUN_PREFIX}${runId}`;
}

export function planNode(runId: string, baseDir: string, index: number, endpoint: Pick<LabEndpoint, 'name' | 'ns' | 'ipv4' | 'ipv6'>): NodePlan {
  if (!Number.isInteger(index) || index < 1 || index > 250) throw new RangeError(`node index must be 1..250, not ${index}`);
  const run = runName(runId);
  const runDir = `/run/${run}-${endpoint.name}`;
  return {
    index,
    name: endpoint.name,
    ns: endpoint.ns,
    ipv4: endpoint.ipv4,
    ipv6: endpoint.ipv6,
    dir: join(baseDir, endpoint.name),
    runDir,
    socket: `${runDir}/containerd.sock`,
    cgroupRoot: `/${run}-${endpoint.name}`,
    podCidrV4: `10.244.${index}.0/24`,
    podCidrV6: `fd00:10:244:${index.toString(16)}::/80`,
    cniNetwork: `${run}-${endpoint.name}`,
  };
}

export function planRun(runId: string, baseDir: string, endpoints: readonly Pick<LabEndpoint, 'name' | 'ns' | 'ipv4' | 'ipv6'>[]): RunPlan {
  return { runId, baseDir, nodes: endpoints.map((e, i) => planNode(runId, baseDir, i + 1, e)) };
}

/** `ip route` arguments on node `from` for every other node's pod ranges (the routes a CNI would make). */
export function podRoutes(from: NodePlan, all: readonly NodePlan[]): string[][] {
  return all
    .filter((n) => n.index !== from.index)
    .flatMap((n) => [
      ['ip', 'route', 'replace', n.podCidrV4, 'via', n.ipv4],
      ['ip', '-6', 'route', 'replace', n.podCidrV6, 'via', n.ipv6],
    ]);
}
