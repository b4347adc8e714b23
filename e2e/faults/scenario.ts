// A randomized fault run, as an operator's bad day would go: two controller replicas with short
// leases behind a TCP proxy to a restartable kube-apiserver, Service and pool operations
// interleaved with SIGKILL/SIGTERM/SIGSTOP of the leader, API-server restarts and etcd
// compactions, and the invariants (invariants.ts) checked at every quiescent point. Each round is
// a batch of operations sent at once with one to a few faults of distinct kinds (deck.ts: every
// kind in turn) injected while the batch is in flight, then a quiescent check (see
// quiescentCheck). Faults of one round overlap: the process faults hit the leader of their moment
// one after the other (a second one meets the replica that took over), the API-side faults run
// alongside. A killed replica's replacement starts in the background, as a Deployment's would.
// Seeded: the seed is printed first, and the same seed replays the same operations and faults
// (timing aside): a round's operations and faults are all drawn before any is sent.
// With logDir, every controller's log and the run's own timeline (run.live.log) are kept.
// Used by the integration suite (short) and the bench (long); figures come back in the report.
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, Watch, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startApiServerReplica, type ApiServerReplica } from '../programs/apiserver-replica.js';
import { metricValue } from '../programs/controller-fixture.js';
import { startProgram, type ProgramProcess } from '../programs/process.js';
import { TcpProxy } from '../programs/tcp-proxy.js';
import type { TestenvInfo } from '../testenv/jest-info.js';
import { freePort } from '../testenv/ports.js';
import { sleep } from '../testenv/wait.js';
import { checkAddresses, checkPending, checkSingleWriter, checkStable, type LeaseVersion, type PoolView, type ServiceView, type WriteRecord } from './invariants.js';
import { FaultDeck } from './deck.js';
import { Rng } from './rng.js';

export type FaultKind = 'sigkill' | 'sigterm' | 'sigstop' | 'apiRestart' | 'compaction';
export const FAULT_KINDS: readonly FaultKind[] = ['sigkill', 'sigterm', 'sigstop', 'apiRestart', 'compaction'];
/** Faults aimed at the leader's process: one after the other within a round. */
const PROCESS_FAULTS: ReadonlySet<FaultKind> = new Set(['sigkill', 'sigterm', 'sigstop']);

export interface FaultEnv {
  readonly info: TestenvInfo;
  /** Admin access. */
  readonly kc: KubeConfig;
  readonly installNs: string;
  readonly appNs: string;
  readonly lbClass: string;
  /** The controller ServiceAccount's kubeconfig (its server is replaced by the proxy's). */
  readonly controllerKubeconfig: string;
  readonly log: (line: string) => void;
  /** Keep every controller's log lines here (one JSON-lines file per process), for replays. */
  readonly logDir?: string;
}

export interface FaultRunOptions {
  readonly seed: number;
  /** Stop starting rounds after this long. */
  readonly durationMs: number;
  /** Operations per round (each round: a batch of operations with its faults, then a quiescent check). */
  readonly opsPerRound: number;
  /** Faults per round at most; each round draws min..max of distinct kinds (see FaultDeck). */
  readonly maxFaultsPerRound: number;
  /** Faults per round at least (default 1; fewer only where a kind would repeat). */
  readonly minFaultsPerRound?: number;
  /** Keep starting rounds past durationMs until every kind was injected this often. */
  readonly minFaultsEach?: number;
  /** How long a quiescent point may take to settle before it counts as a violation. */
  readonly settleTimeoutMs?: number;
  /** Services kept at most (deletions win above it). */
  readonly maxServices?: number;
}

export interface FaultRunReport {
  readonly seed: number;
  ops: number;
  rounds: number;
  /** Faults injected (a process fault that found no leader to hit within the wait is not one). */
  readonly faults: Record<FaultKind, number>;
  /** Process faults not injected: no leader to hit (counted apart, never as a fault). */
  skipped: number;
  /**
   * Per fault: from the moment it was over to the start of the round's stable window (so a fault
   * of a round with several carries whatever the others of its round cost after it).
   */
  readonly settleMs: Record<FaultKind, number[]>;
  /** The same, from rounds where the fault was the only one. */
  readonly settleAloneMs: Record<FaultKind, number[]>;
  /** Where a round's time goes, per round (see round). */
  readonly phaseMs: { readonly plan: number[]; readonly operations: number[]; readonly faults: number[]; readonly settle: number[]; readonly stable: number[]; readonly round: number[] };
  readonly violations: string[];
  /** Controller API requests per second at quiescent points, split by whether some Service was pending. */
  readonly requestRateAtRest: number[];
  readonly requestRateExhausted: number[];
  /** At the end: Event objects (any reason) per pending Service. */
  eventsPerPending: number;
  writesChecked: number;
}

/** How long the addresses must stay unchanged for a quiescent point. */
const STABLE_MS = 2_000;
const LEASE = ['--lease-duration', '3s', '--renew-deadline', '2s', '--retry-period', '500ms'];
const POOLS: Record<string, string[][]> = { a: [['10.40.0.0/28']], b: [['10.40.1.0/29'], ['10.40.1.0/30']] };
const group = { group: 'metallb.io', version: 'v1beta1' };
const ipsOf = (s: V1Service): string[] => (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));

interface Replica {
  readonly proc: ProgramProcess;
  readonly metricsPort: number;
}

/** One fault of a round, drawn before the round starts. */
interface PlannedFault {
  readonly kind: FaultKind;
  /** After the round's batch was sent (process faults: after the previous process fault). */
  readonly delayMs: number;
  /** sigstop: how long the leader stays frozen, and the operations sent meanwhile. */
  readonly freezeMs: number;
  readonly freezeOps: PlannedOperation[];
}

interface PlannedOperation {
  readonly run: () => Promise<unknown>;
  readonly created?: number;
  readonly poolEdit?: boolean;
  /** Nothing to do (a delete or repool with no Service left): not counted as an operation. */
  readonly nothing?: boolean;
}

interface InjectedFault {
  readonly kind: FaultKind;
  /** When the fault was over (a restarted API server ready, a frozen leader resumed, ...). */
  readonly end: number;
}

type ServiceRef = { name: string; annotations: Record<string, string> };

export class FaultRun {
  readonly report: FaultRunReport;
  private readonly rng: Rng;
  private readonly deck: FaultDeck<FaultKind>;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly dir = mkdtempSync(join(tmpdir(), 'l2lb-faults-'));
  private replica: ApiServerReplica | undefined;
  private proxy: TcpProxy | undefined;
  private kubeconfigFile = '';
  private readonly controllers: Replica[] = [];
  private readonly retired: ProgramProcess[] = [];
  private readonly lease: LeaseVersion[] = [];
  private leaseWatch: AbortController | undefined;
  private serial = 0;
  private poolShape: Record<string, number> = { a: 0, b: 0 };
  /** Services whose request or pool changed since the last check (their address may move). */
  private changed = new Set<string>();
  /** A pool edit since the last check: any Service's address may have moved. */
  private everythingChanged = false;
  private lastIps = new Map<string, string>();
  private readonly notes: string[] = [];

  constructor(
    private readonly env: FaultEnv,
    private readonly opts: FaultRunOptions,
  ) {
    this.rng = new Rng(opts.seed);
    this.deck = new FaultDeck(FAULT_KINDS, this.rng);
    this.core = env.kc.makeApiClient(CoreV1Api);
    this.custom = env.kc.makeApiClient(CustomObjectsApi);
    const zero = (): Record<FaultKind, number> => ({ sigkill: 0, sigterm: 0, sigstop: 0, apiRestart: 0, compaction: 0 });
    const lists = (): Record<FaultKind, number[]> => ({ sigkill: [], sigterm: [], sigstop: [], apiRestart: [], compaction: [] });
    this.report = {
      seed: opts.seed, ops: 0, rounds: 0, faults: zero(), skipped: 0, settleMs: lists(), settleAloneMs: lists(),
      phaseMs: { plan: [], operations: [], faults: [], settle: [], stable: [], round: [] },
      violations: [], requestRateAtRest: [], requestRateExhausted: [], eventsPerPending: 0, writesChecked: 0,
    };
  }

  async run(): Promise<FaultRunReport> {
    this.note(`fault run seed ${this.opts.seed} (replay with this seed)`);
    try {
      await this.setUp();
      const end = Date.now() + this.opts.durationMs;
      const owed = (): boolean => FAULT_KINDS.some((k) => this.report.faults[k] < (this.opts.minFaultsEach ?? 0));
      while (Date.now() < end || owed()) await this.round();
      await this.finalChecks();
    } finally {
      await this.tearDown();
    }
    return this.report;
  }

  // ---- set-up ---------------------------------------------------------------------------------

  private async setUp(): Promise<void> {
    this.replica = await startApiServerReplica(this.env.info);
    this.proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(this.replica.server).port) });
    const config = parse(this.env.controllerKubeconfig) as { clusters: { cluster: { server: string } }[] };
    for (const c of config.clusters) c.cluster.server = `https://127.0.0.1:${this.proxy.port}`;
    this.kubeconfigFile = join(this.dir, 'controller.kubeconfig');
    writeFileSync(this.kubeconfigFile, stringify(config));
    for (const [name, shapes] of Object.entries(POOLS)) {
      await this.custom.createNamespacedCustomObject({ ...group, namespace: this.env.installNs, plural: 'ipaddresspools', body: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name }, spec: { addresses: shapes[0] } } });
    }
    await this.watchLease();
    for (let i = 0; i < 2; i++) this.controllers.push(await this.startController(true));
    await this.waitFor('a leader', async () => (await this.leaderIndex()) !== undefined, 30_000);
  }

  private async tearDown(): Promise<void> {
    this.leaseWatch?.abort();
    await Promise.all([...this.controllers.map((c) => c.proc.stop('SIGKILL')), ...this.retired.map((p) => p.stop('SIGKILL'))]);
    this.keepLogs();
    await this.proxy?.stop();
    await this.replica?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes every controller's log (and the run's own notes) into logDir, if one was given. */
  private keepLogs(): void {
    const dir = this.env.logDir;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    [...this.retired, ...this.controllers.map((c) => c.proc)].forEach((p, i) => {
      writeFileSync(join(dir, `controller-${i}-${p.pid ?? 'x'}.jsonl`), [...p.logs.map((l) => JSON.stringify(l)), ...p.stderr.map((l) => JSON.stringify({ stderr: l }))].join('\n') + '\n');
    });
    writeFileSync(join(dir, 'run.log'), this.notes.join('\n') + '\n');
  }

  private violation(v: string): void {
    this.report.violations.push(v);
    this.note(`violation: ${v}`);
  }

  /** Kept for logDir only (each operation: too many for the console). */
  private trace(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}`;
    this.notes.push(stamped);
    if (this.env.logDir) {
      mkdirSync(this.env.logDir, { recursive: true });
      appendFileSync(join(this.env.logDir, 'run.live.log'), `${stamped}\n`);
    }
  }

  /** The run's own log lines, timestamped, kept for logDir. */
  private note(line: string): void {
    this.trace(line);
    this.env.log(line);
  }

  /** A new replica; `synced`: wait until its caches are filled (else it starts as a Deployment's replacement would, in the background). */
  private async startController(synced: boolean): Promise<Replica> {
    const metricsPort = await freePort('127.0.0.1');
    const proc = startProgram('controller', [
      '--kubeconfig', this.kubeconfigFile, '--namespace', this.env.installNs, '--lb-class', this.env.lbClass,
      '--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort), '--leader-elect=true', '--log-level', 'debug', ...LEASE,
    ]);
    void proc.exited.then(({ code, signal }) => this.trace(`replica pid ${proc.pid} exited: code ${code} signal ${signal}`));
    if (synced) await proc.waitForEvent('informersSynced', 60_000);
    return { proc, metricsPort };
  }

  /** Every version of the Lease, in order, from a watch (resourceVersions order them against writes). */
  private async watchLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${this.env.installNs}/leases`;
    let rv = '';
    const start = async (): Promise<void> => {
      this.leaseWatch = await new Watch(this.env.kc).watch(path, rv ? { resourceVersion: rv } : {}, (type: string, obj: { metadata?: { resourceVersion?: string }; spec?: { holderIdentity?: string } }) => {
        rv = obj.metadata?.resourceVersion ?? rv;
        if (type === 'ADDED' || type === 'MODIFIED') this.lease.push({ resourceVersion: Number(rv), holder: obj.spec?.holderIdentity ?? '' });
      }, () => {
        if (!this.leaseWatch?.signal.aborted) setTimeout(() => void start().catch(() => undefined), 200);
      });
    };
    await start();
  }

  private identityOf(proc: ProgramProcess): string | undefined {
    const l = proc.logs.find((x) => x.event === 'leaderElected');
    return l ? String(l['identity']) : undefined;
  }

  private async leaderIndex(): Promise<number | undefined> {
    const lease = await this.env.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'l2lb-controller', namespace: this.env.installNs }).catch(() => undefined);
    const holder = lease?.spec?.holderIdentity;
    const i = this.controllers.findIndex((c) => this.identityOf(c.proc) === holder && c.proc.running);
    return i >= 0 ? i : undefined;
  }

  // ---- operations -----------------------------------------------------------------------------

  private async services(): Promise<V1Service[]> {
    return (await this.core.listNamespacedService({ namespace: this.env.appNs })).items;
  }

  private async existing(): Promise<ServiceRef[]> {
    return (await this.services()).map((s) => ({ name: s.metadata!.name!, annotations: s.metadata?.annotations ?? {} }));
  }

  /**
   * `n` operations drawn from the seeded RNG against one listing (so a seed replays the same batch
   * whatever the timing); `existing` is shared by the batches of a round, so none deletes twice.
   */
  private planBatch(existing: ServiceRef[], n: number): PlannedOperation[] {
    let count = existing.length;
    const planned: PlannedOperation[] = [];
    for (let i = 0; i < n; i++) {
      const op = this.planOperation(existing, count >= (this.opts.maxServices ?? 30));
      if (op.created !== undefined) count += op.created;
      planned.push(op);
    }
    return planned;
  }

  /**
   * Sends a batch at once, as a busy cluster's clients would. An operation the API server failed
   * (overloaded) is noted, not fatal: the checks read what the server holds. Pool edits go one
   * after the other, in the planned order, each tried until the server takes it (or noted).
   */
  private async sendBatch(batch: readonly PlannedOperation[]): Promise<void> {
    this.report.ops += batch.filter((o) => !o.nothing).length;
    const failed = (what: string) => (err: unknown): void => this.trace(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    const editInOrder = async (): Promise<void> => {
      for (const e of batch.filter((o) => o.poolEdit)) {
        for (let attempt = 1; ; attempt++) {
          const ok = await e.run().then(() => true, (err: unknown) => (failed(`pool edit (attempt ${attempt})`)(err), false));
          if (ok || attempt === 5) break;
          await sleep(1_000);
        }
      }
    };
    await Promise.all([...batch.filter((o) => !o.poolEdit).map((o) => o.run().catch(failed('operation'))), editInOrder()]);
  }

  private planOperation(existing: ServiceRef[], tooMany: boolean): PlannedOperation {
    const op = this.rng.weighted(tooMany ? { create: 0, createShared: 0, delete: 3, repool: 1, poolEdit: 1 } : { create: 4, createShared: 1, delete: 2, repool: 1, poolEdit: 1 });
    this.trace(`op ${op}`);
    const spec = (port: number): V1Service['spec'] => ({ type: 'LoadBalancer', loadBalancerClass: this.env.lbClass, allocateLoadBalancerNodePorts: false, ports: [{ port, protocol: 'TCP' }] });
    const create = (name: string, annotations: Record<string, string>, port: number) => (): Promise<unknown> => this.core.createNamespacedService({ namespace: this.env.appNs, body: { metadata: { name, annotations }, spec: spec(port) } });
    switch (op) {
      case 'create': {
        const pool = this.rng.pick([undefined, 'a', 'b']);
        return { run: create(`s${++this.serial}`, pool ? { 'metallb.io/address-pool': pool } : {}, 80), created: 1 };
      }
      case 'createShared': {
        const key = `k${++this.serial}`;
        const x = create(`${key}x`, { 'metallb.io/allow-shared-ip': key }, 80);
        const y = create(`${key}y`, { 'metallb.io/allow-shared-ip': key }, 443);
        return { run: async () => (await x(), await y()), created: 2 };
      }
      case 'delete': {
        if (existing.length === 0) return { run: async () => undefined, nothing: true };
        const [victim] = existing.splice(this.rng.int(existing.length), 1);
        this.trace(`delete ${victim!.name}`);
        return { run: () => this.core.deleteNamespacedService({ name: victim!.name, namespace: this.env.appNs }).catch(() => undefined), created: -1 };
      }
      case 'repool': {
        if (existing.length === 0) return { run: async () => undefined, nothing: true };
        const s = this.rng.pick(existing);
        const pool = this.rng.pick(['a', 'b']);
        this.changed.add(s.name);
        this.trace(`repool ${s.name} -> ${pool}`);
        const annotations = { ...s.annotations, 'metallb.io/address-pool': pool };
        return { run: () => this.core.patchNamespacedService({ name: s.name, namespace: this.env.appNs, body: [{ op: 'add', path: '/metadata/annotations', value: annotations }] }).catch(() => undefined) };
      }
      case 'poolEdit': {
        const shape = (this.poolShape['b']! + 1) % POOLS['b']!.length;
        this.poolShape['b'] = shape;
        this.trace(`pool b -> ${POOLS['b']![shape]!.join(',')}`);
        // Every Service holding an address of pool b may move (shrunk away), and any may gain one.
        this.everythingChanged = true;
        const addresses = POOLS['b']![shape];
        return { poolEdit: true, run: () => this.custom.patchNamespacedCustomObject({ ...group, namespace: this.env.installNs, plural: 'ipaddresspools', name: 'b', body: [{ op: 'replace', path: '/spec/addresses', value: addresses }] }) };
      }
    }
  }

  // ---- rounds and faults ----------------------------------------------------------------------

  /**
   * One round: its faults drawn from the deck and its operations from the RNG, the batch sent with
   * the faults injected while it is in flight, then a quiescent check. The time of each phase is
   * kept (report.phaseMs) and traced: plan, operations, faults, settle (the end of the last fault
   * to the start of the stable window), stable (the window and the checks after it).
   */
  private async round(): Promise<void> {
    const t0 = Date.now();
    const kinds = this.deck.nextRound(this.opts.maxFaultsPerRound, this.opts.minFaultsPerRound);
    const existing = await this.existing();
    const batch = this.planBatch(existing, this.opts.opsPerRound);
    const plan = kinds.map((kind): PlannedFault => {
      const sigstop = kind === 'sigstop';
      // A freeze past the Lease (3 s): the other replica takes over while this one is frozen.
      return { kind, delayMs: this.rng.int(500), freezeMs: sigstop ? 3_500 + this.rng.int(2_000) : 0, freezeOps: sigstop ? this.planBatch(existing, 2) : [] };
    });
    const t1 = Date.now();
    this.note(`round ${this.report.rounds}: faults ${kinds.join('+')}`);
    let opsEnd = t1;
    const [, injected] = await Promise.all([this.sendBatch(batch).then(() => void (opsEnd = Date.now())), this.inject(plan)]);
    const t2 = Date.now();
    const stableSince = await this.quiescentCheck(injected);
    const t3 = Date.now();
    const ph = this.report.phaseMs;
    const lastFault = Math.max(t1, ...injected.map((f) => f.end));
    ph.plan.push(t1 - t0);
    ph.operations.push(opsEnd - t1);
    ph.faults.push(lastFault - t1);
    if (stableSince !== undefined) {
      ph.settle.push(stableSince - t2);
      ph.stable.push(t3 - stableSince);
    }
    ph.round.push(t3 - t0);
    this.trace(`round ${this.report.rounds} phases: plan ${t1 - t0} ms, operations ${opsEnd - t1} ms, faults ${lastFault - t1} ms (${injected.map((f) => `${f.kind} ${f.end - t1}`).join(', ')}), settle ${stableSince === undefined ? 'none' : stableSince - t2} ms, stable+check ${stableSince === undefined ? 'none' : t3 - stableSince} ms`);
    this.report.rounds++;
  }

  /** The round's faults: process faults one after the other, API-side faults alongside them. */
  private async inject(plan: readonly PlannedFault[]): Promise<InjectedFault[]> {
    const processChain = async (): Promise<InjectedFault[]> => {
      const done: InjectedFault[] = [];
      for (const f of plan.filter((x) => PROCESS_FAULTS.has(x.kind))) {
        await sleep(f.delayMs);
        const r = await this.fault(f);
        if (r) done.push(r);
      }
      return done;
    };
    const apiSide = plan.filter((x) => !PROCESS_FAULTS.has(x.kind)).map(async (f) => (await sleep(f.delayMs), await this.fault(f)));
    const all = await Promise.all([processChain(), ...apiSide]);
    return all.flat().filter((f): f is InjectedFault => f !== undefined);
  }

  /** A replica that holds the Lease, waited for (a second process fault meets the one that took over). */
  private async awaitLeader(timeoutMs: number): Promise<number | undefined> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
      const li = await this.leaderIndex();
      if (li !== undefined) return li;
    }
    return undefined;
  }

  /** Injects one fault; resolves when the fault itself is over (the system may still be settling). */
  private async fault(f: PlannedFault): Promise<InjectedFault | undefined> {
    const { kind } = f;
    let li: number | undefined;
    if (PROCESS_FAULTS.has(kind)) {
      li = await this.awaitLeader(30_000);
      if (li === undefined) {
        this.report.skipped++;
        this.note(`fault ${kind} (round ${this.report.rounds}) skipped: no leader to hit within 30 s`);
        return undefined;
      }
    }
    this.report.faults[kind]++;
    this.note(`fault ${kind} (round ${this.report.rounds})`);
    switch (kind) {
      case 'sigkill':
      case 'sigterm': {
        const old = this.controllers[li!]!;
        await old.proc.stop(kind === 'sigkill' ? 'SIGKILL' : 'SIGTERM');
        this.retired.push(old.proc);
        this.controllers[li!] = await this.startController(false);
        break;
      }
      case 'sigstop': {
        const pid = this.controllers[li!]!.proc.pid!;
        process.kill(pid, 'SIGSTOP');
        await sleep(f.freezeMs);
        // Operations during the freeze: buffered in the frozen leader's watches.
        await this.sendBatch(f.freezeOps);
        const frozen = this.controllers[li!]!.proc;
        if (!frozen.running) {
          const how = await frozen.exited;
          this.violation(`replica ${li} (pid ${pid}) exited during its freeze: code ${how.code} signal ${how.signal}; stderr: ${frozen.stderr.slice(-5).join(' | ')}`);
          this.retired.push(frozen);
          this.controllers[li!] = await this.startController(false);
          break;
        }
        process.kill(pid, 'SIGCONT');
        break;
      }
      case 'apiRestart': {
        // The old server gets SIGTERM and a second of terminating with its clients still on it;
        // then their connections are cut (new ones held) and the new server starts while the old
        // one finishes stopping (it takes its whole 5 s grace here, time that tests nothing).
        const t0 = Date.now();
        const stopping = this.replica?.stop() ?? Promise.resolve();
        await Promise.race([stopping, sleep(1_000)]);
        this.proxy!.cut();
        const t1 = Date.now();
        // Clients come back as soon as the new server runs, as they would to a restarted one on
        // the same address: refused connections, then answers while it still loads (RBAC: 403s).
        const [replica] = await Promise.all([
          // Up to three starts of a minute each: a loaded machine has taken 17 s, and a run that
          // ends on a server that never came up reports nothing.
          startApiServerReplica(this.env.info, [], 60_000, 3, (server) => {
            this.proxy!.retarget({ host: '127.0.0.1', port: Number(new URL(server).port) });
            this.proxy!.restore();
          }),
          stopping,
        ]);
        this.replica = replica;
        this.trace(`apiRestart: clients cut ${t1 - t0} ms after SIGTERM, new server ready ${Date.now() - t1} ms later`);
        break;
      }
      case 'compaction': {
        const etcd = async (path: string, body: unknown): Promise<{ header: { revision: string } }> => (await (await fetch(`${this.env.info.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) })).json()) as { header: { revision: string } };
        const { revision } = (await etcd('/v3/kv/range', { key: Buffer.from('compact_rev_key').toString('base64') })).header;
        await etcd('/v3/kv/compaction', { revision, physical: true });
        break;
      }
    }
    return { kind, end: Date.now() };
  }

  // ---- checks ---------------------------------------------------------------------------------

  private async views(): Promise<{ services: ServiceView[]; pools: PoolView[] }> {
    const items = await this.services();
    const events = (await this.core.listNamespacedEvent({ namespace: this.env.appNs })).items;
    const warnings = new Map<string, string[]>();
    for (const e of events) if (e.type === 'Warning') warnings.set(e.involvedObject.name ?? '', [...(warnings.get(e.involvedObject.name ?? '') ?? []), e.reason ?? '']);
    const services = items.map((s): ServiceView => ({
      name: s.metadata!.name!,
      ips: ipsOf(s),
      sharingKey: s.metadata?.annotations?.['metallb.io/allow-shared-ip'] ?? '',
      ports: (s.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`),
      pool: s.metadata?.annotations?.['metallb.io/address-pool'],
      warnings: warnings.get(s.metadata!.name!) ?? [],
    }));
    // The pools as the server holds them (an edit the server never took is not the controller's to follow).
    const pools = await Promise.all(Object.keys(POOLS).map(async (name): Promise<PoolView> => {
      const pool = (await this.custom.getNamespacedCustomObject({ ...group, namespace: this.env.installNs, plural: 'ipaddresspools', name })) as { spec?: { addresses?: string[] } };
      return { name, addresses: pool.spec?.addresses ?? [] };
    }));
    return { services, pools };
  }

  private async requestsSent(): Promise<number> {
    let total = 0;
    for (const c of this.controllers) {
      const text = await fetch(`http://127.0.0.1:${c.metricsPort}/metrics`).then((r) => r.text()).catch(() => ''); // a replacement not listening yet counts 0
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) total += metricValue(text, 'l2lb_k8s_requests_sent', { method }) ?? 0;
    }
    return total;
  }

  /**
   * Whether the replica leads a term that is deciding: its newest election was followed by its
   * resync finishing, and no informer of it is failing (a held leader changes nothing, so an
   * unchanged snapshot proves nothing yet).
   */
  private serving(proc: ProgramProcess): boolean {
    let elected = -1;
    let resynced = -1;
    let unhealthy = -1;
    let healthy = -1;
    proc.logs.forEach((l, i) => {
      if (l.event === 'leaderElected') elected = i;
      else if (l.event === 'resyncDone') resynced = i;
      else if (l.event === 'cachesUnhealthy') unhealthy = i;
      else if (l.event === 'cachesHealthy') healthy = i;
    });
    return elected >= 0 && resynced > elected && healthy >= unhealthy;
  }

  /**
   * A quiescent point: the Lease holder serves (see serving), the Services' addresses stayed the
   * same for STABLE_MS, no eligible Service waits while its pool has space, and every refused
   * Service carries its Warning. Warnings are part of it because the controller emits one only
   * after a refusal outlived its grace period and writes it asynchronously (with retries): a
   * check at a fixed moment after the addresses settled raced that, not the controller's promise.
   * A Warning that never comes fails the check as "did not settle", naming the Service. Each of
   * the round's faults gets its settle time (from its end to the stable window's start); returns
   * that start, or undefined when the round did not settle.
   */
  private async quiescentCheck(injected: readonly InjectedFault[]): Promise<number | undefined> {
    const kind = injected.map((f) => f.kind).join('+') || 'no fault';
    const timeout = this.opts.settleTimeoutMs ?? 60_000;
    let previous = '';
    let stable: { since: number; requests: number } | undefined;
    let settled = false;
    let last: { services: ServiceView[]; pools: PoolView[] } | undefined;
    /** Why the latest poll was not calm, for a round that does not settle. */
    let why = 'no poll yet';
    for (const deadline = Date.now() + timeout; Date.now() < deadline && !settled; ) {
      await sleep(250);
      const li = await this.leaderIndex();
      if (li === undefined || !this.serving(this.controllers[li]!.proc)) {
        why = li === undefined ? 'no running replica holds the Lease' : `the Lease holder (replica ${li}) is not serving: no resyncDone since its election, or an informer failing`;
        stable = undefined;
        continue;
      }
      last = await this.views();
      const snapshot = JSON.stringify(last.services.map((s) => [s.name, s.ips]));
      const pendingProblems = checkPending(last.services, last.pools);
      const calm = pendingProblems.length === 0;
      why = !calm ? pendingProblems.join('; ') : snapshot !== previous ? 'addresses changed' : 'stable window not over';
      if (snapshot !== previous || !calm) stable = undefined;
      else if (!stable) stable = { since: Date.now(), requests: await this.requestsSent() };
      previous = snapshot;
      settled = stable !== undefined && Date.now() - stable.since >= STABLE_MS;
      if (settled && stable) {
        // The request rate at rest, over the stable window itself.
        const rate = ((await this.requestsSent()) - stable.requests) / ((Date.now() - stable.since) / 1000);
        (last.services.some((x) => x.ips.length === 0) ? this.report.requestRateExhausted : this.report.requestRateAtRest).push(rate);
      }
    }
    if (!last || !settled) {
      this.violation(`round ${this.report.rounds} (${kind}, seed ${this.opts.seed}): did not settle within ${timeout} ms (last seen: ${why})`);
      if (!last) return undefined;
    } else {
      for (const f of injected) {
        const ms = Math.max(0, stable!.since - f.end);
        this.report.settleMs[f.kind].push(ms);
        if (injected.length === 1) this.report.settleAloneMs[f.kind].push(ms);
      }
    }
    const changed = this.everythingChanged ? new Set(last.services.map((x) => x.name)) : this.changed;
    const problems = [...checkAddresses(last.services, last.pools), ...checkStable(this.lastIps, last.services, changed), ...checkPending(last.services, last.pools)];
    for (const p of problems) this.violation(`round ${this.report.rounds} (${kind}, seed ${this.opts.seed}): ${p}`);
    this.lastIps = new Map(last.services.map((x) => [x.name, [...x.ips].sort().join(',')]));
    this.changed = new Set();
    this.everythingChanged = false;
    return settled ? stable!.since : undefined;
  }

  private async finalChecks(): Promise<void> {
    const writes: WriteRecord[] = [];
    for (const proc of [...this.retired, ...this.controllers.map((c) => c.proc)]) {
      const writer = this.identityOf(proc);
      for (const l of proc.logs) {
        if (l.event !== 'statusWritten' || l['resourceVersion'] === undefined) continue;
        writes.push({ writer: writer ?? '(never elected)', resourceVersion: Number(l['resourceVersion']), service: String(l['service']) });
      }
    }
    this.report.writesChecked = writes.length;
    for (const p of checkSingleWriter(writes, this.lease)) this.violation(`seed ${this.opts.seed}: ${p}`);
    const { services } = await this.views();
    const pending = services.filter((s) => s.ips.length === 0);
    const events = (await this.core.listNamespacedEvent({ namespace: this.env.appNs })).items;
    const onPending = events.filter((e) => pending.some((p) => p.name === e.involvedObject.name));
    this.report.eventsPerPending = pending.length === 0 ? 0 : onPending.length / pending.length;
  }

  private async waitFor(what: string, pred: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) if (await pred()) return;
    throw new Error(`fault run: no ${what} within ${timeoutMs} ms`);
  }
}
