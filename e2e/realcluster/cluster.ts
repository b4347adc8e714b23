// A real Kubernetes cluster on one machine, for l2lb as its users run it: the test control plane
// (plus kube-scheduler and the workload and node-lifecycle controllers real nodes need), a
// private lab (own run id), and on each lab node containerd + kubelet + kube-proxy with l2lb's
// image imported. The chart is then installed with `helm install` (see helm.ts).
//
// Pods reach the API server as on a real cluster: the `kubernetes` Service points at the lab's
// host address (192.0.2.254), which forwards to the API server on 127.0.0.1.
// Clean-up: stop() on success and failure; exit and signal handlers; and the sweep of runs whose
// owner died (registry.ts), which every start runs first.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createLab, type Lab } from '../lab/lab.js';
import { startControlPlane, type ControlPlane } from '../testenv/control-plane.js';
import { startControllerManager } from '../testenv/controller-manager.js';
import { startProcess, type ManagedProcess } from '../testenv/proc.js';
import { parseToolLines, repoRoot } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';
import type { ProxyMode } from './configs.js';
import { pauseImage, productImage, type ImageArchive } from './images.js';
import { inNode, killNodeProcesses, startNode, type NodeStartInput, type RunningNode } from './node.js';
import { planRun, podRoutes, runName, type NodePlan, type RunPlan } from './plan.js';
import { removeRunRecord, sweepStaleRuns, writeRunRecord } from './registry.js';
import { removeSharedKubeletFiles, teardownNode, type TeardownReport } from './teardown.js';

const run = promisify(execFile);

/** Controllers a cluster with real nodes needs beyond the test control plane's. */
export const NODE_CONTROLLERS = ['deployment-controller', 'replicaset-controller', 'daemonset-controller', 'node-lifecycle-controller'] as const;

export interface RealClusterOptions {
  readonly nodes?: number;
  readonly proxyMode?: ProxyMode;
  /** IPVS mode only; default true (the setting l2lb's install guide asks for). */
  readonly strictArp?: boolean;
  readonly progress?: (line: string) => void;
  readonly timeoutMs?: number;
}

export interface RealClusterTools {
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly kubeScheduler: string;
  readonly kubeControllerManager: string;
  readonly helm: string;
}

export async function realClusterTools(): Promise<RealClusterTools> {
  const { stdout } = await run('bash', [join(repoRoot(), 'e2e/testenv/tools/build.sh'), '--print']);
  const t = parseToolLines(stdout);
  const get = (k: string): string => {
    const v = process.env[k] ?? t.get(k);
    if (!v || !existsSync(v)) throw new Error(`${k} not built${v ? ` (no ${v})` : ''}: run \`make setup\``);
    return v;
  };
  return { kubelet: get('KUBELET'), kubeProxy: get('KUBE_PROXY'), kubeScheduler: get('KUBE_SCHEDULER'), kubeControllerManager: get('KUBE_CONTROLLER_MANAGER'), helm: get('HELM') };
}

const live = new Set<RealCluster>();
let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const all = (): void => {
    for (const c of [...live]) c.teardownNow();
  };
  process.on('exit', all);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      all();
      // Then die of the signal as intended (other handlers, e.g. the lab's, run once more, idempotently).
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

export class RealCluster {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** Per-node start timings and the whole start, for reports. */
  readonly timings: Record<string, number> = {};
  private readonly extra: ManagedProcess[] = [];
  private nodeInput: ((n: NodePlan) => NodeStartInput) | undefined;
  private torndown = false;

  private constructor(
    readonly lab: Lab,
    readonly cp: ControlPlane,
    readonly plan: RunPlan,
    readonly tools: RealClusterTools,
    readonly images: { readonly product: ImageArchive; readonly pause: ImageArchive },
    readonly nodes: RunningNode[],
  ) {
    this.core = cp.adminKubeConfig.makeApiClient(CoreV1Api);
    this.custom = cp.adminKubeConfig.makeApiClient(CustomObjectsApi);
  }

  get kc(): KubeConfig {
    return this.cp.adminKubeConfig;
  }

  get kubeconfigPath(): string {
    return this.cp.adminKubeconfigPath;
  }

  node(name: string): RunningNode {
    const n = this.nodes.find((x) => x.plan.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  static async start(opts: RealClusterOptions = {}): Promise<RealCluster> {
    const t0 = Date.now();
    const say = opts.progress ?? ((): void => {});
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const swept = sweepStaleRuns();
    if (swept.length > 0) say(`swept ${swept.length} node(s) of crashed runs`);
    const tools = await realClusterTools();
    const [product, pause] = await Promise.all([productImage(), pauseImage()]);
    say(`images: ${product.ref} (${Math.round(product.sizeBytes / 1048576)} MiB, ${product.id.slice(0, 19)}), ${pause.ref}`);
    const lab = await createLab({ nodes: opts.nodes ?? 3, hostAddress: true });
    const baseDir = mkdtempSync(join(tmpdir(), `${runName(lab.runId)}-`));
    const plan = planRun(lab.runId, baseDir, lab.nodes);
    let cp: ControlPlane | undefined;
    let cluster: RealCluster | undefined;
    try {
      writeRunRecord(plan);
      const host = lab.hostAddress!;
      cp = await startControlPlane({ extraSans: [host.ipv4, host.ipv6], advertiseAddress: host.ipv4, timeoutMs });
      const apiPort = Number(new URL(cp.server).port);
      await lab.forwardHostPort(apiPort);
      say(`lab ${lab.runId}: control plane ready in ${cp.startMs} ms, reachable at ${host.ipv4}:${apiPort}`);
      cluster = new RealCluster(lab, cp, plan, tools, { product, pause }, []);
      live.add(cluster);
      installExitHandlers();
      await cluster.startNodeControllers(timeoutMs);
      say('kube-scheduler and the workload + node-lifecycle controllers running');
      await cluster.bindNodeRbac();
      const nodeInput = (n: NodePlan): NodeStartInput => ({
        plan: n,
        tools,
        server: `https://${host.ipv4}:${apiPort}`,
        gateway: host,
        ca: { cert: join(cp!.dir, 'ca.crt'), key: join(cp!.dir, 'ca.key') },
        caPem: cp!.caPem,
        admin: cp!.adminKubeConfig,
        images: [pause, product],
        proxyMode: opts.proxyMode ?? 'iptables',
        strictArp: opts.strictArp ?? true,
        timeoutMs,
        log: say,
      });
      cluster.nodeInput = nodeInput;
      const started = await Promise.all(plan.nodes.map((n) => startNode(nodeInput(n))));
      cluster.nodes.push(...started);
      for (const n of plan.nodes) for (const r of podRoutes(n, plan.nodes)) await inNode(n, r);
      cluster.timings['start'] = Date.now() - t0;
      say(`${plan.nodes.length} real nodes Ready in ${cluster.timings['start']} ms`);
      return cluster;
    } catch (err) {
      if (cluster) await cluster.stop();
      else {
        await cp?.stop();
        await lab.destroy();
        removeRunRecord(plan.runId);
        rmSync(baseDir, { recursive: true, force: true });
      }
      throw err;
    }
  }

  private async startNodeControllers(timeoutMs: number): Promise<void> {
    const dir = join(this.cp.dir, 'node-controllers');
    mkdirSync(dir, { recursive: true });
    const kcm = await startControllerManager({
      binary: this.tools.kubeControllerManager,
      name: 'kube-controller-manager-nodes',
      dir,
      kubeconfigPath: join(this.cp.dir, 'controller-manager.kubeconfig'),
      caCertPath: join(this.cp.dir, 'ca.crt'),
      serviceAccountKeyPath: join(this.cp.dir, 'sa.key'),
      controllers: NODE_CONTROLLERS,
      timeoutMs,
      track: (p) => this.extra.push(p),
    });
    void kcm;
    const scheduler = startProcess('kube-scheduler', this.tools.kubeScheduler, [
      `--kubeconfig=${this.cp.adminKubeconfigPath}`, '--leader-elect=false', '--secure-port=0', '--v=1',
    ], join(dir, 'kube-scheduler.log'));
    this.extra.push(scheduler);
  }

  /** The test API server authorizes with RBAC only (no Node authorizer): kubelets get system:node. */
  private async bindNodeRbac(): Promise<void> {
    const rbac = this.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'l2lb-realcluster-nodes' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }],
      },
    });
  }

  /** kubectl against this cluster; resolves with stdout, rejects with stderr. */
  async kubectl(args: readonly string[], input?: string, cwd?: string): Promise<string> {
    return this.tool('kubectl', args, input, cwd);
  }

  async helm(args: readonly string[], cwd?: string): Promise<string> {
    return this.tool(this.tools.helm, args, undefined, cwd);
  }

  private async tool(file: string, args: readonly string[], input?: string, cwd?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(file, [...args], { env: { ...process.env, KUBECONFIG: this.kubeconfigPath }, maxBuffer: 32 << 20, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || err.message}`));
        else resolve(stdout);
      });
      child.stdin?.end(input ?? '');
    });
  }

  /** Gives an image every node holds a second name (as a registry push of a new tag would). */
  async tagImageOnNodes(ref: string, newRef: string): Promise<void> {
    for (const n of this.nodes) await run('ctr', ['-a', n.plan.socket, '-n', 'k8s.io', 'images', 'tag', '--force', ref, newRef]);
  }

  /** Waits until `count` pods matching `selector` in `namespace` are Ready; returns their names. */
  async waitForReadyPods(namespace: string, selector: string, count: number, timeoutMs = 120_000): Promise<string[]> {
    let names: string[] = [];
    await waitFor(`${count} Ready pods ${selector} in ${namespace}`, async () => {
      const list = await this.core.listNamespacedPod({ namespace, labelSelector: selector });
      const ready = list.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      names = ready.map((p) => p.metadata!.name!);
      return ready.length >= count;
    }, { timeoutMs, intervalMs: 250 });
    return names;
  }

  /**
   * Kills a node as a machine dies: link down, then kubelet, kube-proxy, containerd, containers.
   * onLinkDown runs the moment the node is off the network (where failover timing starts).
   */
  async killNode(name: string, onLinkDown: () => void = () => undefined): Promise<void> {
    const n = this.node(name);
    await this.lab.setLink(n.plan.ns, 'down');
    onLinkDown();
    await killNodeProcesses(n);
  }

  /**
   * Brings a killed node back as a rebooted machine: what is left of it is removed, its link goes
   * up, and containerd, the kubelet and kube-proxy start afresh (the kubelet restarts its pods).
   */
  async restartNode(name: string): Promise<void> {
    const i = this.nodes.findIndex((x) => x.plan.name === name);
    if (i < 0 || !this.nodeInput) throw new Error(`no node ${name}`);
    const plan = this.nodes[i]!.plan;
    teardownNode(plan, 500);
    await this.lab.setLink(plan.ns, 'up');
    this.nodes[i] = await startNode(this.nodeInput(plan));
  }

  /** Synchronous tear-down of the nodes (exit handlers). */
  teardownNow(): TeardownReport[] {
    if (this.torndown) return [];
    this.torndown = true;
    live.delete(this);
    const reports = this.plan.nodes.map((n) => teardownNode(n));
    removeSharedKubeletFiles();
    removeRunRecord(this.plan.runId);
    return reports;
  }

  async stop(): Promise<TeardownReport[]> {
    const reports = this.teardownNow();
    for (const p of this.extra.reverse()) await p.stop(3000);
    await this.cp.stop();
    await this.lab.destroy();
    rmSync(this.plan.baseDir, { recursive: true, force: true });
    return reports;
  }
}
