// A controller under test: its own install namespace with the chart's RBAC, a Service namespace,
// and a unique loadBalancerClass so concurrent suites on one API server never see each other's
// Services. The controller runs as a real process with its ServiceAccount's token.
import { CoreV1Api, CustomObjectsApi, type CoreV1Event, type KubeConfig, type V1Service, type V1ServiceSpec } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { IPAddressPool, IPAddressPoolSpec } from '../../shared/api/types.js';
import type { ConfigurationState } from '../../shared/config-state/status.js';
import { installChartRbac, type ChartRbac } from '../install/chart-rbac.js';
import { testenvFromJest } from '../testenv/jest-info.js';
import { freePort } from '../testenv/ports.js';
import { sleep } from '../testenv/wait.js';
import { startProgram, type ProgramProcess } from './process.js';

const group = 'metallb.io';
const version = 'v1beta1';

export interface ServiceOptions {
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly spec?: Partial<V1ServiceSpec>;
  readonly namespace?: string;
}

/** Lease timings as the controller's flags spell them (Go durations, e.g. "2s", "250ms"). */
export interface LeaseTiming {
  readonly duration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
}

export interface StartOptions {
  readonly leaderElect?: boolean;
  /** Wait until this replica leads and has queued its resync (default true). */
  readonly waitLeader?: boolean;
  readonly echo?: string;
  /** Another kubeconfig file than the ServiceAccount's (e.g. one from kubeconfigVia). */
  readonly kubeconfig?: string;
  readonly lease?: LeaseTiming;
  /** More flags for the program (e.g. --pod-name and --pod-uid). */
  readonly args?: readonly string[];
}

export class ControllerFixture {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  readonly installNs: string;
  readonly appNs: string;
  readonly lbClass: string;
  private rbac: ChartRbac | undefined;
  private kubeconfigFile = '';
  private kubeconfigText = '';
  /** Made in setUp, not at construction: a suite filtered out by -t runs no hooks and must leave nothing. */
  private dir = '';
  private readonly procs: ProgramProcess[] = [];

  constructor(readonly prefix: string) {
    this.kc = testenvFromJest().kubeConfig();
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.installNs = `${prefix}-sys-${this.run}`;
    this.appNs = `${prefix}-app-${this.run}`;
    this.lbClass = `l2lb.test/${prefix}-${this.run}`;
  }

  async setUp(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'l2lb-ctl-'));
    for (const name of [this.installNs, this.appNs]) await this.core.createNamespace({ body: { metadata: { name } } });
    this.rbac = await installChartRbac(this.kc, this.installNs, `l2lb-${this.run}`);
    this.kubeconfigFile = join(this.dir, 'controller.kubeconfig');
    this.kubeconfigText = await testenvFromJest().serviceAccountKubeconfigText(this.installNs, this.rbac.controllerServiceAccount);
    writeFileSync(this.kubeconfigFile, this.kubeconfigText);
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop('SIGKILL')));
    for (const name of [this.appNs, this.installNs]) await this.core.deleteNamespace({ name }).catch(() => undefined);
    await this.rbac?.uninstall();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** The controller ServiceAccount's kubeconfig text (for a run that writes its own copies). */
  get controllerKubeconfigText(): string {
    return this.kubeconfigText;
  }

  /** The controller's kubeconfig (same ServiceAccount token) pointed at another server URL, e.g. a proxy. */
  kubeconfigVia(server: string): string {
    const config = parse(this.kubeconfigText) as { clusters: { cluster: { server: string } }[] };
    for (const c of config.clusters) c.cluster.server = server;
    const file = join(this.dir, `controller-via-${new URL(server).port}.kubeconfig`);
    writeFileSync(file, stringify(config));
    return file;
  }

  /** Starts a controller replica and waits until it has synced (and leads, unless told not to wait). */
  async startController(opts: StartOptions = {}): Promise<{ proc: ProgramProcess; metricsPort: number }> {
    const metricsPort = await freePort('127.0.0.1');
    const lease = opts.lease ? ['--lease-duration', opts.lease.duration, '--renew-deadline', opts.lease.renewDeadline, '--retry-period', opts.lease.retryPeriod] : [];
    const proc = startProgram('controller', [
      '--kubeconfig', opts.kubeconfig ?? this.kubeconfigFile, '--namespace', this.installNs, '--lb-class', this.lbClass,
      '--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort), `--leader-elect=${opts.leaderElect ?? false}`, '--log-level', 'debug',
      ...lease,
      ...(opts.args ?? []),
    ], opts.echo ? { echo: opts.echo } : {});
    this.procs.push(proc);
    await proc.waitForEvent('informersSynced', 30_000);
    if (opts.waitLeader ?? true) await proc.waitForEvent('resync', 30_000);
    return { proc, metricsPort };
  }

  async createPool(name: string, spec: IPAddressPoolSpec, labels: Record<string, string> = {}): Promise<void> {
    const body: IPAddressPool = { apiVersion: `${group}/${version}`, kind: 'IPAddressPool', metadata: { name, namespace: this.installNs, labels }, spec };
    await this.custom.createNamespacedCustomObject({ group, version, namespace: this.installNs, plural: 'ipaddresspools', body });
  }

  async getPool(name: string): Promise<IPAddressPool> {
    return (await this.custom.getNamespacedCustomObject({ group, version, namespace: this.installNs, plural: 'ipaddresspools', name })) as IPAddressPool;
  }

  /** The controller's ConfigurationState, or undefined while there is none. */
  async controllerConfigurationState(): Promise<ConfigurationState | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group, version, namespace: this.installNs, plural: 'configurationstates', name: 'controller' })) as ConfigurationState;
    } catch {
      return undefined;
    }
  }

  async deletePool(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ group, version, namespace: this.installNs, plural: 'ipaddresspools', name });
  }

  async createService(name: string, o: ServiceOptions = {}): Promise<V1Service> {
    return this.core.createNamespacedService({
      namespace: o.namespace ?? this.appNs,
      body: {
        metadata: { name, annotations: o.annotations ?? {}, labels: o.labels ?? {} },
        spec: { type: 'LoadBalancer', loadBalancerClass: this.lbClass, ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...o.spec },
      },
    });
  }

  async getService(name: string, namespace = this.appNs): Promise<V1Service> {
    return this.core.readNamespacedService({ name, namespace });
  }

  async ingressIps(name: string, namespace = this.appNs): Promise<string[]> {
    const svc = await this.getService(name, namespace);
    return (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  }

  /** Polls until the Service has `count` ingress IPs; returns them. */
  async waitForIps(name: string, count = 1, timeoutMs = 15_000, namespace = this.appNs): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ips = await this.ingressIps(name, namespace);
      if (ips.length >= count) return ips;
      if (Date.now() > deadline) throw new Error(`service ${namespace}/${name}: ${ips.length} of ${count} IPs after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async events(name: string, namespace = this.appNs): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    return list.items;
  }

  /** Polls until an Event with `reason` (and message containing `text`) exists on the object. */
  async waitForEvent(name: string, reason: string, text = '', timeoutMs = 15_000, namespace = this.appNs): Promise<CoreV1Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.events(name, namespace)).find((e) => e.reason === reason && (e.message ?? '').includes(text));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = (await this.events(name, namespace)).map((e) => `${e.reason}: ${e.message}`).join('\n  ');
        throw new Error(`no ${reason} event containing ${JSON.stringify(text)} on ${namespace}/${name} after ${timeoutMs} ms; events:\n  ${seen}`);
      }
      await sleep(100);
    }
  }

  async metrics(port: number): Promise<string> {
    return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  }
}

/** The value of one series in Prometheus text output, or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
