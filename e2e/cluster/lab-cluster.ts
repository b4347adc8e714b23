// The whole product on one machine: a real control plane, N node namespaces on a bridge, the
// chart's RBAC, the controller (root namespace) and one real speaker per node namespace, plus
// what a kubelet would have written (Nodes, speaker Pods, backend Pods). The demo, the speaker's
// end-to-end tests and the failover benchmarks all run on this.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Service, type V1ServiceSpec } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPAddressPoolSpec, L2AdvertisementSpec } from '../../shared/api/types.js';
import { eachBounded } from '../../shared/async/bounded.js';
import { installChartRbac } from '../install/chart-rbac.js';
import { createLab, type Lab, type LabEndpoint } from '../lab/lab.js';
import { startProgram, type ProgramProcess } from '../programs/process.js';
import { startControlPlane, type ControlPlane } from '../testenv/control-plane.js';
import { freePort } from '../testenv/ports.js';
import { serviceAccountKubeconfigText } from '../testenv/service-accounts.js';
import { repoRoot } from '../testenv/tools.js';
import { sleep } from '../testenv/wait.js';
import { createRetried } from './api-retry.js';
import { FakeKubelet } from './kubelet.js';

const group = 'metallb.io';
const version = 'v1beta1';
export const VIP_RANGE_V4 = '192.0.2.200/29';
export const VIP_RANGE_V6 = '2001:db8::200/125';
export const SERVICE_PORT = 8080;

/**
 * The lab's stand-ins for other machines run raised: the client's observers (observe.ts) and each
 * node's name server (the Service's backend, a pod with its own share of a real node). On this
 * shared 2-core machine 50 speakers keep the cores busy, and stand-ins at the default priority
 * timed their own wait for a core: up to 100 ms between the client's neighbour entry moving and
 * the first connection, 100-200 ms for the new owner's name server to answer a connection that
 * had already reached its node. Raised, they time the network and the speakers, which run at the
 * default priority like the chart's pods. Root can raise them (the lab runs as root).
 */
export const STAND_IN_PRIORITY = ['nice', '-n', '-15'];

/** Nodes set up (registered, network prepared, speaker started) at once. */
const SETUP_WIDTH = 10;

/** Longer than the speakers' deadAfter (500 ms), so membership has converged. */
const MEMBERSHIP_SETTLE_MS = 1_000;

export interface LabClusterOptions {
  readonly nodes?: number;
  /** Echo every program's log lines to stderr with a prefix (debugging). */
  readonly echo?: boolean;
  /** Extra flags for every speaker (e.g. faster heartbeats). */
  readonly speakerArgs?: readonly string[];
  /** Progress lines for people (the demo). */
  readonly progress?: (line: string) => void;
  /** The install namespace (default l2lb-system); metallb-system applies MetalLB's examples unchanged. */
  readonly namespace?: string;
  /**
   * The speakers' capabilities (default the chart's: NET_RAW only). Root with every capability
   * would let the heartbeat thread raise its priority, which the chart's pods cannot; with 50
   * speakers on two cores, 50 such threads starved every main thread and the API server.
   */
  readonly speakerCapabilities?: readonly string[];
}

export interface ServiceSpecOptions {
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly spec?: Partial<V1ServiceSpec>;
  /** Nodes that run a Ready backend Pod; default every node. */
  readonly endpointsOn?: readonly string[];
}

export class LabCluster {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly kubelet: FakeKubelet;
  readonly namespace: string;
  readonly appNamespace = 'demo';
  readonly speakers = new Map<string, ProgramProcess>();
  controller: ProgramProcess | undefined;
  /** The controller's /metrics port on 127.0.0.1 (root namespace), so tests can count its writes. */
  controllerMetricsPort = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'l2lb-labcluster-'));
  private speakerKubeconfig = '';
  private podSeq = 0;
  private readonly servers: { kill(): void }[] = [];

  private constructor(readonly lab: Lab, readonly cp: ControlPlane, private readonly opts: LabClusterOptions) {
    this.core = cp.adminKubeConfig.makeApiClient(CoreV1Api);
    this.custom = cp.adminKubeConfig.makeApiClient(CustomObjectsApi);
    this.kubelet = new FakeKubelet(cp.adminKubeConfig);
    this.namespace = opts.namespace ?? 'l2lb-system';
  }

  get kc(): KubeConfig {
    return this.cp.adminKubeConfig;
  }

  get nodes(): readonly LabEndpoint[] {
    return this.lab.nodes;
  }

  node(name: string): LabEndpoint {
    const n = this.lab.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no lab node ${name}`);
    return n;
  }

  static async start(opts: LabClusterOptions = {}): Promise<LabCluster> {
    const say = opts.progress ?? ((): void => {});
    const lab = await createLab({ nodes: opts.nodes ?? 3, hostAddress: true });
    let cp: ControlPlane | undefined;
    let cluster: LabCluster | undefined;
    try {
      say(`lab: ${lab.nodes.length} node namespaces + a client on one bridge`);
      cp = await startControlPlane({ extraSans: [lab.hostAddress!.ipv4, lab.hostAddress!.ipv6] });
      say(`control plane: etcd + kube-apiserver + kube-controller-manager ready in ${cp.startMs} ms`);
      cluster = new LabCluster(lab, cp, opts);
      await cluster.setUp();
      return cluster;
    } catch (err) {
      // Everything started so far, programs included: a failed setup left its controller running
      // for the rest of the test run.
      if (cluster) await cluster.stop();
      else {
        await cp?.stop();
        await lab.destroy();
      }
      throw err;
    }
  }

  private async setUp(): Promise<void> {
    const say = this.opts.progress ?? ((): void => {});
    const apiPort = Number(new URL(this.cp.server).port);
    await this.lab.forwardHostPort(apiPort);
    for (const ns of [this.namespace, this.appNamespace]) await this.core.createNamespace({ body: { metadata: { name: ns } } });
    const rbac = await installChartRbac(this.kc, this.namespace, 'l2lb');
    const ctlConfig = join(this.dir, 'controller.kubeconfig');
    writeFileSync(ctlConfig, await serviceAccountKubeconfigText(this.kc, this.cp.caPem, this.namespace, rbac.controllerServiceAccount));
    // Speakers live on the node network: they reach the API server at the lab's host address.
    const spkText = await serviceAccountKubeconfigText(this.kc, this.cp.caPem, this.namespace, rbac.speakerServiceAccount);
    this.speakerKubeconfig = join(this.dir, 'speaker.kubeconfig');
    writeFileSync(this.speakerKubeconfig, spkText.replace(this.cp.server, `https://${this.lab.hostAddress!.ipv4}:${apiPort}`));
    say('chart RBAC installed: controller and speakers run with their ServiceAccounts\' tokens');

    // A few nodes at a time: at 50 nodes one after the other took minutes (API round trips,
    // namespace commands and a name server's start each, on a loaded machine).
    await eachBounded(this.lab.nodes, SETUP_WIDTH, async (n) => {
      await this.kubelet.registerNode({ name: n.name, ipv4: n.ipv4, ipv6: n.ipv6 });
      await this.prepareNodeNetwork(n);
    });
    say(`${this.lab.nodes.length} Nodes registered, their networks prepared`);
    this.controllerMetricsPort = await freePort('127.0.0.1');
    this.controller = startProgram('controller', ['--kubeconfig', ctlConfig, '--namespace', this.namespace, '--leader-elect=false', '--metrics-host', '127.0.0.1', '--metrics-port', String(this.controllerMetricsPort)], this.echo('controller'));
    await this.controller.waitForEvent('resync', 30_000);
    say('controller running');
    await eachBounded(this.lab.nodes, SETUP_WIDTH, (n) => this.startSpeaker(n.name, false));
    say(`${this.lab.nodes.length} speakers started`);
    // All at once, each with its own deadline: one after the other, the deadlines added up, and a
    // speaker that never got there surfaced as the caller's timeout with no name and no log tail.
    const everySpeaker = (event: string, ms: number): Promise<unknown> => Promise.all(this.lab.nodes.map((n) => this.speakers.get(n.name)!.waitForEvent(event, ms)));
    await everySpeaker('informersSynced', 60_000);
    say('every speaker has its caches');
    // Membership starts after the caches (its first peerAlive lines come with the peer list); a
    // Service created before every speaker heartbeats would see the cluster still forming.
    await everySpeaker('peerAlive', 60_000);
    await new Promise((r) => setTimeout(r, MEMBERSHIP_SETTLE_MS));
    say(`speakers running on ${this.lab.nodes.map((n) => n.name).join(', ')}`);
  }

  private echo(name: string): { echo: string } | Record<string, never> {
    return this.opts.echo ?? process.env['L2LB_LAB_ECHO'] === '1' ? { echo: `[${name}]` } : {};
  }

  /**
   * Lets traffic for VIPs land on the node, as kube-proxy would take it: local routes for the VIP
   * ranges on lo (AnyIP), and arp_ignore=1 / arp_announce=2 (kube-proxy's strictARP) so the kernel
   * itself never answers ARP for them nor advertises them in its own requests (the speaker does). A name server answers each connection with the node's name.
   */
  private async prepareNodeNetwork(n: LabEndpoint): Promise<void> {
    const cmds = [
      'sysctl -qw net.ipv4.conf.all.arp_ignore=1',
      'sysctl -qw net.ipv4.conf.eth0.arp_ignore=1',
      // kube-proxy's strictARP sets arp_announce=2 too: without it a node's own ARP request (for
      // the client, to answer a connection to the VIP) carries the VIP as sender address, and the
      // client's neighbour entry flips back to a node that no longer owns the VIP.
      'sysctl -qw net.ipv4.conf.all.arp_announce=2',
      'sysctl -qw net.ipv4.conf.eth0.arp_announce=2',
      `ip route add local ${VIP_RANGE_V4} dev lo table local`,
      `ip -6 route add local ${VIP_RANGE_V6} dev lo table local`,
    ];
    // One command in the namespace, not six: each enters the namespace anew, slow when many labs share the machine.
    await this.lab.execOk(n.ns, ['sh', '-ec', cmds.join('\n')]);
    const server = this.lab.spawn(n.ns, [...STAND_IN_PRIORITY, process.execPath, join(repoRoot(), 'e2e/cluster/fixtures/name-server.mjs'), n.name, String(SERVICE_PORT)]);
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      server.once('exit', (code) => reject(new Error(`name server on ${n.name} exited ${code}`)));
    });
  }

  async startSpeaker(node: string, wait = true, extraArgs: readonly string[] = []): Promise<ProgramProcess> {
    const n = this.node(node);
    const podName = `speaker-${node}`;
    const existing = await this.core.readNamespacedPod({ name: podName, namespace: this.namespace }).catch(() => undefined);
    if (!existing) {
      await this.kubelet.runPod({ namespace: this.namespace, name: podName, node, labels: { 'app.kubernetes.io/name': 'l2lb', 'app.kubernetes.io/component': 'speaker' }, podIP: n.ipv4, hostIP: n.ipv4 });
    }
    const proc = startProgram('speaker', [
      '--kubeconfig', this.speakerKubeconfig, '--namespace', this.namespace, '--node-name', node,
      '--metrics-host', '127.0.0.1', ...(this.opts.speakerArgs ?? []), ...extraArgs,
    ], { netns: n.ns, capabilities: this.opts.speakerCapabilities ?? ['net_raw'], ...this.echo(node) });
    this.speakers.set(node, proc);
    if (wait) await proc.waitForEvent('informersSynced', 30_000);
    return proc;
  }

  async createPool(name: string, spec: IPAddressPoolSpec): Promise<void> {
    await this.createCustom('ipaddresspools', { apiVersion: `${group}/${version}`, kind: 'IPAddressPool', metadata: { name }, spec });
  }

  async createAdvertisement(name: string, spec: L2AdvertisementSpec = {}): Promise<void> {
    await this.createCustom('l2advertisements', { apiVersion: `${group}/${version}`, kind: 'L2Advertisement', metadata: { name }, spec });
  }

  private createCustom(plural: string, body: { readonly kind: string; readonly metadata: { readonly name: string }; readonly [field: string]: unknown }): Promise<unknown> {
    const namespace = this.namespace;
    return createRetried(() => this.custom.createNamespacedCustomObject({ group, version, namespace, plural, body }), () => this.custom.getNamespacedCustomObject({ group, version, namespace, plural, name: body.metadata.name }));
  }

  /** A LoadBalancer Service with Ready backend Pods on the given nodes (real EndpointSlices follow). */
  async createService(name: string, o: ServiceSpecOptions = {}): Promise<V1Service> {
    const body = {
      metadata: { name, annotations: o.annotations ?? {}, labels: o.labels ?? {} },
      spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: SERVICE_PORT, protocol: 'TCP' }], ...o.spec },
    };
    const namespace = this.appNamespace;
    const svc = await createRetried(() => this.core.createNamespacedService({ namespace, body }), () => this.core.readNamespacedService({ name, namespace }));
    for (const node of o.endpointsOn ?? this.lab.nodes.map((n) => n.name)) await this.addBackend(name, node);
    return svc;
  }

  async addBackend(service: string, node: string, ready = true): Promise<string> {
    const n = this.node(node);
    const pod = `${service}-${node}-${++this.podSeq}`;
    const idx = this.lab.nodes.indexOf(n) + 1;
    await this.kubelet.runPod({ namespace: this.appNamespace, name: pod, node, labels: { app: service }, podIP: `10.244.${idx}.${this.podSeq % 250 + 2}`, hostIP: n.ipv4, ready });
    return pod;
  }

  async waitForIps(name: string, count = 1, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const svc = await this.core.readNamespacedService({ name, namespace: this.appNamespace });
      const ips = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
      if (ips.length >= count) return ips;
      if (Date.now() > deadline) throw new Error(`service ${name}: no IP after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** One TCP connection from the client to ip:port: the answering node's name, or null. */
  async connect(ip: string, timeoutMs = 1000): Promise<string | null> {
    const script = `const s=require('net').connect({host:${JSON.stringify(ip)},port:${SERVICE_PORT}});let d='';s.setTimeout(${timeoutMs},()=>{process.exit(2)});s.on('data',x=>d+=x);s.on('end',()=>{process.stdout.write(d.trim());process.exit(0)});s.on('error',()=>process.exit(1));`;
    const r = await this.lab.exec(this.lab.client.ns, [process.execPath, '-e', script]);
    return r.code === 0 && r.stdout !== '' ? r.stdout : null;
  }

  /** The MAC the client's neighbour cache holds for ip (undefined: no usable entry). */
  async clientNeighbor(ip: string): Promise<string | undefined> {
    const r = await this.lab.exec(this.lab.client.ns, ['ip', 'neigh', 'show', ip]);
    const m = /lladdr ([0-9a-f:]{17})/.exec(r.stdout);
    return m?.[1];
  }

  /** Which node's speaker owns the Service now (from its ServiceL2Status). */
  async announcingNode(service: string): Promise<string | undefined> {
    const list = (await this.custom.listNamespacedCustomObject({ group, version, namespace: this.namespace, plural: 'servicel2statuses' })) as { items: { status?: { node?: string; serviceName?: string } }[] };
    return list.items.find((i) => i.status?.serviceName === service)?.status?.node;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.speakers.values()].map((s) => s.stop('SIGKILL')));
    await this.controller?.stop('SIGKILL');
    for (const s of this.servers) s.kill();
    await this.cp.stop();
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
