// What runs on a real cluster in the tests and the demo: l2lb installed with `helm install` of
// charts/l2lb (values only for the image), an address pool and L2 advertisement, an l2lb-echo
// backend Deployment from the same image, and LoadBalancer Services in front of it.
import { join } from 'node:path';
import { codeBlocks } from '../../docs/markdown.js';
import { parseEchoReply, type ParsedEchoReply } from '../../echo/reply.js';
import { repoRoot } from '../testenv/tools.js';
import type { RealCluster } from './cluster.js';
import { imageFlags, installCommands } from './docs-commands.js';

/** The namespace docs/install.md installs into. */
export const L2LB_NAMESPACE = 'metallb-system';
export const APP_NAMESPACE = 'demo';
export const ECHO_PORT = 8080;
export const VIP_POOL_V4 = '192.0.2.200/29';
export const VIP_POOL_V6 = '2001:db8::200/125';
export const SPEAKER_SELECTOR = 'app.kubernetes.io/name=l2lb,app.kubernetes.io/component=speaker';
export const CONTROLLER_SELECTOR = 'app.kubernetes.io/name=l2lb,app.kubernetes.io/component=controller';

/** `helm upgrade` to another tag of the image, every other value kept. */
export function chartUpgradeArgs(release: string, imageRef: string): string[] {
  const at = imageRef.lastIndexOf(':');
  return [
    'upgrade', release, join(repoRoot(), 'charts/l2lb'), '--namespace', L2LB_NAMESPACE, '--reuse-values',
    '--set', `image.repository=${imageRef.slice(0, at)}`, '--set', `image.tag=${imageRef.slice(at + 1)}`,
  ];
}

/**
 * docs/install.md's Install commands, run as the page gives them (from the repository root, its
 * `--set image.*` flags for one's own build added to `helm install`). Returns them as run.
 */
export async function installChart(c: RealCluster): Promise<string[]> {
  const ran: string[] = [];
  for (const cmd of installCommands(codeBlocks(join(repoRoot(), 'docs/install.md'), repoRoot()))) {
    const [tool, ...args] = cmd;
    if (tool === 'helm') {
      const full = args[0] === 'install' ? [...args, ...imageFlags(c.images.product.ref)] : args;
      await c.helm(full, repoRoot());
      ran.push(['helm', ...full].join(' '));
    } else if (tool === 'kubectl') {
      // Before the speakers' rollout can finish the controller must have made the heartbeat key.
      await c.kubectl([...args, '--timeout=180s'], undefined, repoRoot());
      ran.push(cmd.join(' '));
    } else throw new Error(`docs/install.md: unexpected command ${cmd.join(' ')}`);
  }
  return ran;
}

export function poolManifest(): string {
  return `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: vips, namespace: ${L2LB_NAMESPACE}}
spec: {addresses: ["${VIP_POOL_V4}", "${VIP_POOL_V6}"]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: vips, namespace: ${L2LB_NAMESPACE}}
spec: {ipAddressPools: [vips]}
`;
}

/** l2lb-echo pods spread over the nodes, naming their node and pod in every answer. */
export function echoDeploymentManifest(name: string, imageRef: string, replicas: number): string {
  return `apiVersion: v1
kind: Namespace
metadata: {name: ${APP_NAMESPACE}}
---
${echoDeployment(name, imageRef, { replicas })}`;
}

export interface EchoOptions {
  readonly replicas: number;
  /** Only on these nodes (by hostname), one pod each when replicas equals their number. */
  readonly onNodes?: readonly string[];
  /** l2lb-echo --tcp: line flows and blobs instead of one HTTP answer. */
  readonly tcp?: boolean;
}

/** The Deployment of l2lb-echo pods, one per node at most (topology spread). */
export function echoDeployment(name: string, imageRef: string, o: EchoOptions): string {
  const affinity = o.onNodes
    ? `
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [${o.onNodes.join(', ')}]}]}]`
    : '';
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${APP_NAMESPACE}}
spec:
  replicas: ${o.replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:${affinity}
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: ${name}}}}
      terminationGracePeriodSeconds: 2
      containers:
        - name: echo
          image: ${imageRef}
          imagePullPolicy: Never
          command: [l2lb-echo, ${o.tcp ? '--tcp, ' : ''}--port, "${ECHO_PORT}"]
          env:
            - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
          ports: [{containerPort: ${ECHO_PORT}}]
          readinessProbe: {tcpSocket: {port: ${ECHO_PORT}}, periodSeconds: 1}
          securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`;
}

export function loadBalancerManifest(name: string, app: string, o: { dualStack?: boolean; local?: boolean } = {}): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${APP_NAMESPACE}}
spec:
  type: LoadBalancer
  selector: {app: ${app}}
  ports: [{port: ${ECHO_PORT}, targetPort: ${ECHO_PORT}, protocol: TCP}]
${o.dualStack ? '  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n' : ''}${o.local ? '  externalTrafficPolicy: Local\n' : ''}`;
}

/** One HTTP GET from the client namespace to ip:port: the echo reply, or undefined on failure. */
export async function getFromClient(c: RealCluster, ip: string, timeoutS = 2): Promise<ParsedEchoReply | undefined> {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const r = await c.lab.exec(c.lab.client.ns, ['curl', '-s', '-m', String(timeoutS), `http://${host}:${ECHO_PORT}/`]);
  return r.code === 0 ? parseEchoReply(r.stdout) : undefined;
}

/** The Service's load-balancer IPs once the controller has assigned `count` of them. */
export async function serviceIps(c: RealCluster, name: string, count: number, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const svc = await c.core.readNamespacedService({ name, namespace: APP_NAMESPACE });
    const ips = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
    if (ips.length >= count) return ips;
    if (Date.now() > deadline) throw new Error(`Service ${name}: ${ips.length} of ${count} IPs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The node named by the Service's ServiceL2Status (the speaker that announces it). */
export async function announcingNode(c: RealCluster, service: string): Promise<string | undefined> {
  const list = (await c.custom.listNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', namespace: L2LB_NAMESPACE, plural: 'servicel2statuses' })) as { items: { status?: { node?: string; serviceName?: string } }[] };
  return list.items.find((i) => i.status?.serviceName === service)?.status?.node;
}

/** The lab node whose MAC the client's neighbour cache holds for ip. */
export async function nodeTheClientHolds(c: RealCluster, ip: string): Promise<string | undefined> {
  const r = await c.lab.exec(c.lab.client.ns, ['ip', 'neigh', 'show', ip]);
  const mac = /lladdr ([0-9a-f:]{17})/.exec(r.stdout)?.[1];
  return c.lab.nodes.find((n) => n.mac === mac)?.name;
}

/**
 * The whole install as a user does it: `helm install` l2lb, an echo Deployment (one pod per node),
 * an address pool, a dual-stack LoadBalancer Service `echo`; returns its IPv4 and IPv6 VIPs once
 * the controllers and speakers are Ready and the controller assigned both.
 */
export async function installL2lbWithEcho(c: RealCluster, say: (line: string) => void = () => undefined): Promise<{ v4: string; v6: string }> {
  const t0 = Date.now();
  for (const cmd of await installChart(c)) say(`$ ${cmd}`);
  say(`docs/install.md's commands done after ${Date.now() - t0} ms`);
  await c.kubectl(['apply', '-f', '-'], echoDeploymentManifest('echo', c.images.product.ref, c.nodes.length));
  await c.waitForReadyPods(L2LB_NAMESPACE, CONTROLLER_SELECTOR, 2, 180_000);
  await c.waitForReadyPods(L2LB_NAMESPACE, SPEAKER_SELECTOR, c.nodes.length, 180_000);
  say(`l2lb controllers and speakers Ready after ${Date.now() - t0} ms`);
  await c.kubectl(['apply', '-f', '-'], poolManifest());
  await c.kubectl(['apply', '-f', '-'], loadBalancerManifest('echo', 'echo', { dualStack: true }));
  const [v4, v6] = await serviceIps(c, 'echo', 2);
  await c.waitForReadyPods(APP_NAMESPACE, 'app=echo', c.nodes.length, 180_000);
  say(`Service echo: ${v4}, ${v6}; echo pods Ready after ${Date.now() - t0} ms`);
  return { v4: v4!, v6: v6! };
}
