// Who owns which real-cluster run, on disk: /run/l2lb-realcluster/<runid>.json holds the owner's
// pid and start time and the plan of every node, written before the first node starts. A run whose
// owner is gone (SIGKILLed test runner, crashed demo) is torn down by the next sweep: its
// containers (through their cgroups), mounts, cgroups, dirs and machine-wide files.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesIn, ownerAlive, processStartTime } from '../lab/registry.js';
import { RUN_PREFIX, type NodePlan, type RunPlan } from './plan.js';
import { cgroupHierarchies, removeSharedKubeletFiles, teardownNode, type TeardownReport } from './teardown.js';

export const REALCLUSTER_REGISTRY = '/run/l2lb-realcluster';

export interface RunRecord {
  readonly plan: RunPlan;
  readonly owner: { readonly pid: number; readonly startTime: string };
  readonly createdAt: string;
}

export function writeRunRecord(plan: RunPlan, dir = REALCLUSTER_REGISTRY): void {
  const startTime = processStartTime(process.pid);
  if (startTime === undefined) throw new Error('cannot read this process start time from /proc');
  mkdirSync(dir, { recursive: true });
  const record: RunRecord = { plan, owner: { pid: process.pid, startTime }, createdAt: new Date().toISOString() };
  writeFileSync(join(dir, `${plan.runId}.json`), JSON.stringify(record) + '\n');
}

export function removeRunRecord(runId: string, dir = REALCLUSTER_REGISTRY): void {
  rmSync(join(dir, `${runId}.json`), { force: true });
}

function isNodePlan(v: unknown): v is NodePlan {
  if (typeof v !== 'object' || v === null) return false;
  const n = v as Record<string, unknown>;
  return ['name', 'ns', 'dir', 'runDir', 'socket', 'cgroupRoot', 'cniNetwork'].every((k) => typeof n[k] === 'string')
    && (n['cgroupRoot'] as string).startsWith(`/${RUN_PREFIX}`);
}

export function listRunRecords(dir = REALCLUSTER_REGISTRY): RunRecord[] {
  return filesIn(dir).flatMap((f) => {
    if (!f.endsWith('.json')) return [];
    try {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunRecord;
      const ok = typeof r.owner?.pid === 'number' && typeof r.plan?.runId === 'string' && Array.isArray(r.plan.nodes) && r.plan.nodes.every(isNodePlan);
      return ok ? [r] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Tears down runs whose owner died, and cgroup roots of runs no record names (a crash before the
 * record was written cannot happen: it is written first; this catches a record removed by hand).
 */
export function sweepStaleRuns(dir = REALCLUSTER_REGISTRY): TeardownReport[] {
  const reports: TeardownReport[] = [];
  const records = listRunRecords(dir);
  for (const r of records) {
    if (ownerAlive({ runId: r.plan.runId, nodes: r.plan.nodes.length, hostAddress: true, owner: r.owner, createdAt: r.createdAt })) continue;
    for (const n of r.plan.nodes) reports.push(teardownNode(n, 500));
    rmSync(r.plan.baseDir, { recursive: true, force: true });
    removeRunRecord(r.plan.runId, dir);
  }
  const claimed = new Set(listRunRecords(dir).flatMap((r) => r.plan.nodes.map((n) => n.cgroupRoot)));
  const orphans = new Set<string>();
  for (const h of cgroupHierarchies()) {
    let entries: string[] = [];
    try {
      entries = readdirSync(join('/sys/fs/cgroup', h));
    } catch {
      continue;
    }
    for (const e of entries) if (e.startsWith(RUN_PREFIX) && !claimed.has(`/${e}`)) orphans.add(`/${e}`);
  }
  for (const root of orphans) {
    const name = root.slice(1);
    reports.push(teardownNode({ index: 1, name, ns: '', ipv4: '', ipv6: '', dir: `/nonexistent/${name}`, runDir: `/run/${name}`, socket: '', cgroupRoot: root, podCidrV4: '', podCidrV6: '', cniNetwork: name }, 500));
  }
  if (reports.length > 0) removeSharedKubeletFiles();
  return reports;
}
