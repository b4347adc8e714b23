// The network-namespace lab: N node namespaces and a client namespace on one Linux bridge (in
// its own namespace), optionally a host port that puts 192.0.2.254 / 2001:db8::fe in the root
// namespace so a control plane bound there is reachable from the nodes as on a real node
// network. Real kernels, real frames; nothing here is simulated.
//
// Life cycle: createLab() sweeps leftovers of dead runs, records its owner, builds the topology
// and registers exit/signal handlers; destroy() is idempotent. A lab whose owner was SIGKILLed
// is removed by the next sweepStaleLabs() (every createLab runs one).
import { spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { FIXED_RUN_ID, HOST_IPV4, HOST_IPV6, LAB_IF, BRIDGE_IF, newRunId, planLab, type EndpointPlan, type LabPlan } from './names.js';
import { listForwarderSockets, listRecords, ownerAlive, ownRecord, readRecord, removeRecord, writeRecord } from './registry.js';
import { inNs, run, runChecked, type ExecOptions, type ExecResult } from './run.js';
import { buildLab, deleteNamespaces, listNamespaces, teardownLab, testLabNamespaces } from './topology.js';
import { setMulticastQuerier, solicitedNodeGroup } from './multicast.js';
import { forwardHostPort, type HostForward, type HostForwardTarget } from './forward.js';

export type { ExecOptions, ExecResult } from './run.js';
export type { HostForward, HostForwardTarget } from './forward.js';

export interface LabEndpoint {
  readonly name: string; // node1.., client
  readonly ns: string;
  readonly ifname: typeof LAB_IF;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** This endpoint's port on the bridge (in bridgeNs): setLink(bridgeNs, 'down', port) pulls the cable switch-side. */
  readonly bridgePort: string;
}

export interface LabOptions {
  readonly nodes: number;
  /** Default: a fresh random id. Must be 4-8 of [a-z0-9]. */
  readonly runId?: string;
  /** Put the host address 192.0.2.254 / 2001:db8::fe on the bridge (see forwardHostPort). Default false. */
  readonly hostAddress?: boolean;
  /**
   * The people's lab: fixed names (l2lb-node1.., l2lb-client, l2lb-br), no owner,
   * survives this process; removed by destroy() or `cli.js down`. Ignores runId.
   */
  readonly persistent?: boolean;
}

export interface Lab {
  readonly runId: string;
  readonly bridgeNs: string;
  /** The bridge device inside bridgeNs (e.g. for `ip link set br0 type bridge mcast_querier 1`). */
  readonly bridgeIf: typeof BRIDGE_IF;
  readonly nodes: readonly LabEndpoint[];
  readonly client: LabEndpoint;
  readonly hostAddress: { readonly ipv4: string; readonly ipv6: string } | undefined;
  /** Runs argv inside namespace ns; never throws for a non-zero exit (see `code`). */
  exec(ns: string, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but throws LabCommandError on a non-zero exit. */
  execOk(ns: string, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts argv inside ns (`ip netns exec` execs it, so the child's pid is the program's).
   * Killed on destroy. Default stdio ['ignore', 'pipe', 'pipe'], flowing: output nobody
   * listens to is discarded instead of filling the pipe and stalling the child.
   */
  spawn(ns: string, argv: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Sets an interface (default eth0) of namespace ns up or down: a node losing its link. */
  setLink(ns: string, state: 'up' | 'down', ifname?: string): Promise<void>;
  /**
   * Makes target (default 127.0.0.1:port, in the root namespace) reachable from the lab at
   * hostAddress:port over IPv4 and IPv6. Needs hostAddress: true. Stopped by destroy().
   */
  forwardHostPort(port: number, target?: HostForwardTarget): Promise<HostForward>;
  /**
   * The bridge's multicast querier on (the bridge then forwards NS only to ports that joined
   * the solicited-node group, like a snooping switch) or off (flooding, the default). Turning
   * it on waits until the bridge has learned every endpoint's own solicited-node group.
   */
  setMulticastQuerier(on: boolean): Promise<void>;
  destroy(): Promise<void>;
}

const live = new Map<string, { plan: LabPlan; children: Set<ChildProcess> }>();

function endpoint(p: EndpointPlan): LabEndpoint {
  return { name: p.name, ns: p.ns, ifname: LAB_IF, mac: p.mac, ipv4: p.ipv4, ipv6: p.ipv6, bridgePort: p.bridgePort };
}

function destroyNow(plan: LabPlan): void {
  const entry = live.get(plan.runId);
  if (entry) for (const c of entry.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  teardownLab(plan);
  removeRecord(plan.runId);
  live.delete(plan.runId);
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanupAll = (): void => {
    for (const { plan } of [...live.values()]) destroyNow(plan);
  };
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupAll();
      // Keep the signal's normal outcome (death) unless someone else handles it too.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

function handle(plan: LabPlan, hostAddress: boolean, persistent: boolean): Lab {
  const children = new Set<ChildProcess>();
  if (!persistent) live.set(plan.runId, { plan, children });
  return {
    runId: plan.runId,
    bridgeNs: plan.bridgeNs,
    bridgeIf: BRIDGE_IF,
    nodes: plan.nodes.map(endpoint),
    client: endpoint(plan.client),
    hostAddress: hostAddress ? { ipv4: HOST_IPV4, ipv6: HOST_IPV6 } : undefined,
    exec: (ns, argv, opts) => run(inNs(ns, argv), opts),
    execOk: (ns, argv, opts) => runChecked(inNs(ns, argv), opts),
    spawn: (ns, argv, opts) => {
      const [file, ...args] = inNs(ns, argv);
      const child = spawnChild(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
      child.stdout?.resume();
      child.stderr?.resume();
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    setLink: async (ns, state, ifname = LAB_IF) => {
      await runChecked(['ip', '-n', ns, 'link', 'set', ifname, state]);
    },
    forwardHostPort: async (port, target = {}) => {
      if (!hostAddress) throw new Error('forwardHostPort needs a lab created with hostAddress: true');
      return forwardHostPort(plan.runId, plan.bridgeNs, port, target, {
        detached: persistent,
        onChild: (c) => {
          children.add(c);
          c.on('exit', () => children.delete(c));
        },
      });
    },
    setMulticastQuerier: (on) => setMulticastQuerier(plan.bridgeNs, on, [...plan.nodes, plan.client].map((e) => solicitedNodeGroup(e.ipv6))),
    destroy: async () => destroyNow(plan),
  };
}

/**
 * Removes labs whose owner process is gone, and test-lab namespaces that no record claims (a crash between steps). Returns the run ids removed.
 */
export function sweepStaleLabs(): string[] {
  const removed: string[] = [];
  const records = listRecords();
  for (const r of records) {
    if (ownerAlive(r)) continue;
    teardownLab(planLab(r.runId, r.nodes));
    removeRecord(r.runId);
    removed.push(r.runId);
  }
  // A record is written before the first namespace, so a namespace without one is an orphan.
  // List namespaces (and forwarder sockets) BEFORE the records: a lab being created right now
  // by another process then either shows no namespace yet or already has its record.
  const namespaces = testLabNamespaces();
  const sockets = listForwarderSockets();
  const claimed = new Set(listRecords().map((r) => r.runId));
  for (const [runId, names] of namespaces) {
    if (claimed.has(runId)) continue;
    deleteNamespaces(names);
    removed.push(runId);
  }
  for (const { runId, path } of sockets) if (!claimed.has(runId)) rmSync(path, { force: true });
  return removed;
}

export async function createLab(opts: LabOptions): Promise<Lab> {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces)');
  const persistent = opts.persistent === true;
  const runId = persistent ? FIXED_RUN_ID : (opts.runId ?? newRunId());
  const hostAddress = opts.hostAddress === true;
  const plan = planLab(runId, opts.nodes);
  sweepStaleLabs();
  const existing = new Set(listNamespaces());
  const taken = [plan.bridgeNs, plan.client.ns, ...plan.nodes.map((n) => n.ns)].filter((n) => existing.has(n));
  if (taken.length > 0 || readRecord(runId)) {
    throw new Error(`lab ${runId} already exists (${taken.join(', ') || 'record'})${persistent ? ': run `make lab-down` first' : ''}`);
  }
  writeRecord(ownRecord(runId, opts.nodes, hostAddress, persistent));
  if (!persistent) installExitHandlers();
  const lab = handle(plan, hostAddress, persistent);
  try {
    await buildLab(plan, hostAddress);
  } catch (err) {
    destroyNow(plan);
    throw err;
  }
  return lab;
}

/** A handle on a lab this or another process created (e.g. the people's lab, runId "fixed"). */
export function attachLab(runId: string = FIXED_RUN_ID): Lab | undefined {
  const r = readRecord(runId);
  if (!r || !ownerAlive(r)) return undefined;
  return handle(planLab(r.runId, r.nodes), r.hostAddress, true);
}

/** Removes a lab by run id, whether or not its record survives (`make lab-down`). */
export function destroyLab(runId: string = FIXED_RUN_ID, nodesIfUnknown = 0): void {
  const r = readRecord(runId);
  let nodes = r?.nodes ?? nodesIfUnknown;
  if (runId === FIXED_RUN_ID && !r) {
    // No record: find the node namespaces by name.
    for (const ns of listNamespaces()) {
      const m = /^l2lb-node(\d+)$/.exec(ns);
      if (m?.[1]) nodes = Math.max(nodes, Number(m[1]));
    }
  }
  teardownLab(planLab(runId, Math.max(1, nodes)));
  removeRecord(runId);
  live.delete(runId);
}
