// Removing a real node completely, synchronously (exit handlers and the sweep of crashed runs run
// it too, where nothing asynchronous runs any more). The order matters:
//   1. kube-proxy and kubelet stop, so nothing restarts containers;
//   2. every container dies through the node's cgroup (cgroup2's cgroup.kill, else SIGKILL to each
//      pid of the v1 tree): killing containerd's tasks one by one left containers running,
//      reparented to pid 1;
//   3. containerd and its shims stop;
//   4. mounts under the node's dirs go, deepest first, in several passes (the kubelet bind-mounts
//      its root dir onto itself, shared, so a lower copy of a volume appears once the upper goes);
//   5. the cgroups, the dirs, and what a kubelet writes machine-wide whatever its --root-dir says.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NodePlan } from './plan.js';

const CGROUP_FS = '/sys/fs/cgroup';

/** Hierarchies a node's cgroup root exists in (cgroup v1 controllers and/or the v2 `unified`). */
export function cgroupHierarchies(): string[] {
  try {
    if (existsSync(join(CGROUP_FS, 'cgroup.controllers'))) return [''];
    return readdirSync(CGROUP_FS).filter((d) => {
      try {
        return lstatSync(join(CGROUP_FS, d)).isDirectory();
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

function cgroupPath(hierarchy: string, root: string): string {
  return join(CGROUP_FS, hierarchy, root);
}

/** Every pid in the cgroup subtree `root` of any hierarchy. */
export function cgroupPids(root: string): number[] {
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    try {
      for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (p.trim() !== '') pids.add(Number(p));
    } catch {
      // a cgroup removed while walking
    }
    for (const e of entries) {
      const sub = join(dir, e);
      try {
        if (statSync(sub).isDirectory()) walk(sub);
      } catch {
        // gone meanwhile
      }
    }
  };
  for (const h of cgroupHierarchies()) walk(cgroupPath(h, root));
  return [...pids];
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Kills every process of the node's cgroup tree; returns the pids still alive after ~5 s. */
export function killCgroup(root: string): number[] {
  for (let i = 0; i < 50; i++) {
    const pids = cgroupPids(root);
    if (pids.length === 0) return [];
    const unifiedKill = [join(CGROUP_FS, 'unified', root, 'cgroup.kill'), join(CGROUP_FS, root, 'cgroup.kill')].find((f) => existsSync(f));
    if (unifiedKill) spawnSync('sh', ['-c', `echo 1 > '${unifiedKill}'`]);
    for (const p of pids) kill(p, 'SIGKILL');
    sleepSync(100);
  }
  return cgroupPids(root);
}

/** Removes the cgroup directories of `root` in every hierarchy, deepest first. */
export function removeCgroups(root: string): string[] {
  const left: string[] = [];
  const rm = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      try {
        if (statSync(join(dir, e)).isDirectory()) rm(join(dir, e));
      } catch {
        // gone
      }
    }
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  };
  for (const h of cgroupHierarchies()) rm(cgroupPath(h, root));
  return left;
}

/** Mount points at or under any of `prefixes`, deepest first. */
export function mountsUnder(prefixes: readonly string[]): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const targets = text.split('\n').flatMap((l) => {
    const t = l.split(' ')[4];
    if (!t) return [];
    const path = t.replace(/\\040/g, ' ');
    return prefixes.some((p) => path === p || path.startsWith(`${p}/`)) ? [path] : [];
  });
  return [...new Set(targets)].sort((a, b) => b.length - a.length);
}

export function unmountAll(prefixes: readonly string[]): string[] {
  for (let pass = 0; pass < 6; pass++) {
    const m = mountsUnder(prefixes);
    if (m.length === 0) return [];
    for (const t of m) {
      if (spawnSync('umount', [t]).status !== 0) spawnSync('umount', ['-l', t]);
    }
  }
  return mountsUnder(prefixes);
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Pids of the containerd shims of a node (their pid files in the node's state dir). */
function shimPids(n: NodePlan): number[] {
  const tasks = join(n.runDir, 'containerd/io.containerd.runtime.v2.task');
  const out: number[] = [];
  for (const ns of safeList(tasks)) for (const id of safeList(join(tasks, ns))) {
    const p = readPid(join(tasks, ns, id, 'shim.pid'));
    if (p) out.push(p);
  }
  return out;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The node's own processes (containerd, kubelet, kube-proxy), recorded as <dir>/<name>.pid. */
export const NODE_PROGRAMS = ['kube-proxy', 'kubelet', 'containerd'] as const;

function stopPid(pid: number | undefined, graceMs: number): void {
  if (!pid) return;
  kill(pid, 'SIGTERM');
  for (let t = 0; t < graceMs; t += 50) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    sleepSync(50);
  }
  kill(pid, 'SIGKILL');
}

export interface TeardownReport {
  readonly node: string;
  readonly pidsLeft: readonly number[];
  readonly mountsLeft: readonly string[];
  readonly cgroupsLeft: readonly string[];
}

/** Removes everything of node `n`; never throws. What could not be removed is reported. */
export function teardownNode(n: NodePlan, graceMs = 2000): TeardownReport {
  // Sandbox and container ids, read before containerd's state goes: libcni names its cache files by them.
  const ids = safeList(join(n.runDir, 'containerd/io.containerd.runtime.v2.task/k8s.io'));
  stopPid(readPid(join(n.dir, 'kube-proxy.pid')), graceMs);
  stopPid(readPid(join(n.dir, 'kubelet.pid')), graceMs);
  const pidsLeft = killCgroup(n.cgroupRoot);
  const shims = shimPids(n);
  stopPid(readPid(join(n.dir, 'containerd.pid')), graceMs);
  for (const p of shims) kill(p, 'SIGKILL');
  const mountsLeft = unmountAll([n.dir, n.runDir]);
  const cgroupsLeft = removeCgroups(n.cgroupRoot);
  // rm(1), not fs.rmSync: an unpacked image is thousands of files, and rm is several times faster.
  if (mountsLeft.length === 0) spawnSync('rm', ['-rf', '--one-file-system', n.dir, n.runDir]);
  removeMachineWideFiles(n, ids);
  return { node: n.name, pidsLeft, mountsLeft, cgroupsLeft };
}

/**
 * What every kubelet and containerd 1.6 write outside their own dirs: pod log symlinks into this
 * node's dir, libcni's result cache for this node's network and its sandboxes' loopback, and the fixed dirs under
 * /run/containerd and /var/lib/kubelet when nobody else uses them any more.
 */
function removeMachineWideFiles(n: NodePlan, containerIds: readonly string[]): void {
  for (const f of safeList('/var/log/containers')) {
    const path = join('/var/log/containers', f);
    try {
      const target = readlinkSync(path);
      if (target.startsWith(`${n.dir}/`) || !existsSync(path)) rmSync(path, { force: true });
    } catch {
      // not a symlink: not ours
    }
  }
  const ids = new Set(containerIds);
  for (const f of safeList('/var/lib/cni/results')) {
    const loopback = /^cni-loopback-([0-9a-f]+)-lo$/.exec(f)?.[1];
    if (f.startsWith(`${n.cniNetwork}-`) || (loopback !== undefined && ids.has(loopback))) rmSync(join('/var/lib/cni/results', f), { force: true });
  }
  for (const d of ['/var/log/containers', '/var/lib/cni/results', '/var/lib/cni/networks', '/var/lib/cni', '/run/containerd/runc/k8s.io', '/run/containerd/runc', '/run/containerd/fifo', '/run/containerd/s', '/run/containerd']) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (another node or program uses it) or absent
    }
  }
}

/**
 * /var/lib/kubelet/device-plugins is the same for every kubelet whatever its --root-dir: removed
 * once no kubelet runs on the machine any more.
 */
export function removeSharedKubeletFiles(): void {
  const kubeletRuns = safeList('/proc').some((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      // A zombie (state Z) is a kubelet already killed, waiting for its parent to reap it.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'kubelet' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  });
  if (kubeletRuns) return;
  rmSync('/var/lib/kubelet/device-plugins', { recursive: true, force: true });
  try {
    rmdirSync('/var/lib/kubelet');
  } catch {
    // not empty: something else lives there
  }
}
