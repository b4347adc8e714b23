// The sweep of crashed real-cluster runs, on real cgroups: a run whose owner died leaves a node
// cgroup with a process in it, a work dir, a mount and its record; sweepStaleRuns() kills the
// process, unmounts, removes the cgroups, the dirs and the record, and leaves a live run alone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from '../lab/registry.js';
import { describeIf } from '../testing/suite-gate.js';
import { planRun, runName } from './plan.js';
import { listRunRecords, REALCLUSTER_REGISTRY, removeRunRecord, sweepStaleRuns, writeRunRecord } from './registry.js';
import { cgroupHierarchies, cgroupPids, teardownNode } from './teardown.js';

const describeRoot = describeIf({ root: true });

function fakeNode(runId: string) {
  const base = mkdtempSync(join(tmpdir(), `${runName(runId)}-`));
  const plan = planRun(runId, base, [{ name: 'node1', ns: `l2lb-${runId}-n1`, ipv4: '192.0.2.1', ipv6: '2001:db8::1' }]);
  const n = plan.nodes[0]!;
  mkdirSync(join(n.dir, 'kubelet/pods'), { recursive: true });
  mkdirSync(n.runDir, { recursive: true });
  spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', join(n.dir, 'kubelet/pods')]);
  for (const h of cgroupHierarchies()) mkdirSync(join('/sys/fs/cgroup', h, n.cgroupRoot, 'kubepods'), { recursive: true });
  // A "container" left running in the node's cgroup (memory hierarchy, as on cgroup v1).
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  child.unref();
  const mem = ['memory', 'unified', ''].find((h) => cgroupHierarchies().includes(h))!;
  writeFileSync(join('/sys/fs/cgroup', mem, n.cgroupRoot, 'kubepods/cgroup.procs'), String(child.pid));
  return { plan, n, pid: child.pid! };
}

describeRoot('sweepStaleRuns (real cgroups and mounts)', () => {
  test('tears down a run whose owner died, leaves a live one', () => {
    const dead = fakeNode(`sw${Date.now().toString(36).slice(-5)}`);
    const live = fakeNode(`lv${Date.now().toString(36).slice(-5)}`);
    try {
      // The dead run's owner: a process that has exited (its pid and start time no longer match).
      const gone = spawnSync('sh', ['-c', 'echo $$']);
      const deadPid = Number(gone.stdout.toString().trim());
      mkdirSync(REALCLUSTER_REGISTRY, { recursive: true });
      writeFileSync(join(REALCLUSTER_REGISTRY, `${dead.plan.runId}.json`), JSON.stringify({ plan: dead.plan, owner: { pid: deadPid, startTime: '1' }, createdAt: new Date().toISOString() }));
      writeRunRecord(live.plan);
      expect(processStartTime(process.pid)).toBeDefined();
      expect(cgroupPids(dead.n.cgroupRoot)).toEqual([dead.pid]);

      const reports = sweepStaleRuns();

      const mine = reports.filter((r) => r.node === 'node1');
      expect(mine).toHaveLength(1);
      expect(mine[0]).toEqual({ node: 'node1', pidsLeft: [], mountsLeft: [], cgroupsLeft: [] });
      expect(existsSync(`/proc/${dead.pid}`) && !readFileSync(`/proc/${dead.pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
      for (const h of cgroupHierarchies()) expect(existsSync(join('/sys/fs/cgroup', h, dead.n.cgroupRoot))).toBe(false);
      expect(existsSync(dead.n.dir)).toBe(false);
      expect(listRunRecords().map((r) => r.plan.runId)).not.toContain(dead.plan.runId);
      // The live run is untouched.
      expect(listRunRecords().map((r) => r.plan.runId)).toContain(live.plan.runId);
      expect(cgroupPids(live.n.cgroupRoot)).toEqual([live.pid]);
    } finally {
      teardownNode(live.n, 200);
      removeRunRecord(live.plan.runId);
      teardownNode(dead.n, 200);
      removeRunRecord(dead.plan.runId);
      for (const r of [live, dead]) rmSync(r.plan.baseDir, { recursive: true, force: true });
    }
  });
});
