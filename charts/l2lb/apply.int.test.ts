// The chart against the real API server of e2e/testenv: the render applies server-side, the
// workloads keep their hardening, the controller's pod passes Pod Security "restricted" while
// the speaker's needs "privileged", `helm install`/`uninstall` work and leave the CRDs alone,
// and the ServiceAccounts the chart creates can do what the programs need and nothing else.
import { spawnSync } from 'node:child_process';
import {
  ApiException, AppsV1Api, ApiextensionsV1Api, AuthorizationV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy,
  type KubernetesObject, type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { testenvFromJest } from '../../e2e/testenv/jest-info.js';
import { allOnValues, chartDir, helmPath, only, podSpec, render, type KubeObject } from './render.js';

const env = testenvFromJest();
const kc = env.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const objects = KubernetesObjectApi.makeApiClient(kc);
const run = Date.now().toString(36);
const ns = `chart-${run}`;
const release = `l2lb-${run}`; // cluster-scoped RBAC objects are named after the release
const FIELD_MANAGER = 'l2lb-chart-test';
const PROMETHEUS_OPERATOR_GROUP = 'monitoring.coreos.com/';

const created: KubernetesObject[] = [];
const extraNamespaces: string[] = [];

async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, labels } } });
  extraNamespaces.push(name);
}

function apiError(e: unknown): string {
  return e instanceof ApiException ? `${e.code}: ${String(e.body)}` : String(e);
}

async function apply(obj: KubeObject, dryRun?: 'All'): Promise<KubernetesObject> {
  try {
    return await objects.patch(obj as KubernetesObject, undefined, dryRun, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  } catch (e) {
    throw new Error(`server-side apply of ${obj.kind} ${obj.metadata.name}${dryRun ? ' (dry run)' : ''} failed: ${apiError(e)}`);
  }
}

beforeAll(async () => {
  await createNamespace(ns);
});

afterAll(async () => {
  for (const o of created.reverse()) {
    if (!o.metadata?.namespace) await objects.delete(o).catch(() => undefined);
  }
  for (const n of extraNamespaces) await core.deleteNamespace({ name: n }).catch(() => undefined);
});

describe('server-side apply', () => {
  it('applies the default render for real; the API server keeps the hardening the templates ask for', async () => {
    const rendered = render({ release, namespace: ns });
    for (const o of rendered) created.push(await apply(o));

    const apps = kc.makeApiClient(AppsV1Api);
    const dep = await apps.readNamespacedDeployment({ name: `${release}-controller`, namespace: ns });
    const c = dep.spec?.template.spec?.containers[0];
    expect(dep.spec?.replicas).toBe(2);
    expect(dep.spec?.template.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

    const ds = await apps.readNamespacedDaemonSet({ name: `${release}-speaker`, namespace: ns });
    expect(ds.spec?.template.spec?.hostNetwork).toBe(true);
    expect(ds.spec?.template.spec?.containers[0]?.securityContext?.capabilities).toEqual({ drop: ['ALL'], add: ['NET_RAW'] });
    const env0 = ds.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env0.find((e) => e.name === 'HOST_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.hostIP');

    // The metrics Services select the pods of their component.
    const svc = await core.readNamespacedService({ name: `${release}-speaker-metrics`, namespace: ns });
    expect(svc.spec?.selector).toEqual(ds.spec?.selector.matchLabels);
  });

  it('every object of the all-options render passes server-side validation (dry run); only Prometheus Operator kinds are skipped', async () => {
    // This control plane has no monitoring.coreos.com CRDs (they belong to the Prometheus
    // Operator), so ServiceMonitor/PodMonitor/PrometheusRule cannot be validated here; they are
    // the only kinds skipped, which the assertion below keeps true.
    const rendered = render({ release: `${release}-all`, namespace: ns, valuesFiles: [allOnValues()] });
    const skipped = rendered.filter((o) => o.apiVersion.startsWith(PROMETHEUS_OPERATOR_GROUP)).map((o) => o.kind).sort();
    expect(skipped).toEqual(['PrometheusRule', 'ServiceMonitor', 'ServiceMonitor']);
    const checked = rendered.filter((o) => !o.apiVersion.startsWith(PROMETHEUS_OPERATOR_GROUP));
    expect(checked.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'DaemonSet', 'ConfigMap', 'Service']));
    for (const o of checked) await apply(o, 'All');
  });
});

describe('Pod Security admission', () => {
  function podFrom(workload: KubeObject, namespace: string): KubeObject {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `psa-${workload.metadata.name}`, namespace }, spec: podSpec(workload) };
  }
  const rendered = (): KubeObject[] => render({ release, namespace: ns });

  async function namespaceAt(level: 'restricted' | 'baseline' | 'privileged'): Promise<string> {
    const name = `${ns}-${level}`;
    await createNamespace(name, { 'pod-security.kubernetes.io/enforce': level });
    for (const sa of [`${release}-controller`, `${release}-speaker`]) {
      await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: sa } } });
    }
    return name;
  }

  it('the controller pod meets "restricted"; the speaker pod is refused under "baseline" and accepted under "privileged"', async () => {
    const objs = rendered();
    const restricted = await namespaceAt('restricted');
    await objects.create(podFrom(only(objs, 'Deployment'), restricted) as KubernetesObject, undefined, 'All');

    const baseline = await namespaceAt('baseline');
    const refused = await objects.create(podFrom(only(objs, 'DaemonSet'), baseline) as KubernetesObject, undefined, 'All').then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiException);
    const body = (JSON.parse(String((refused as ApiException<string>).body)) as { message: string }).message;
    expect(body).toContain('violates PodSecurity "baseline:latest"');
    expect(body).toContain('host namespaces (hostNetwork=true)');
    expect(body).toContain('non-default capabilities (container "speaker" must not include "NET_RAW"');

    const privileged = await namespaceAt('privileged');
    await objects.create(podFrom(only(objs, 'DaemonSet'), privileged) as KubernetesObject, undefined, 'All');
  });
});

describe('helm install and uninstall', () => {
  function helmRun(args: string[]): { code: number | null; out: string } {
    const r = spawnSync(helmPath(), [...args, '--kubeconfig', env.adminKubeconfigPath], { encoding: 'utf8' });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  }

  it('installs into a fresh namespace although the CRDs exist already, and uninstall leaves the CRDs in place', async () => {
    const name = `helm-${run}`;
    const target = `${ns}-helm`;
    extraNamespaces.push(target);
    const installed = helmRun(['install', name, chartDir(), '--namespace', target, '--create-namespace']);
    expect(installed.out).toContain('STATUS: deployed');
    expect(installed.out).toContain(`l2lb 0.1.0 is installed in namespace ${target}.`);
    expect(installed.out).not.toContain('WARNING: namespace');
    expect(installed.code).toBe(0);
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.readNamespacedDaemonSet({ name: `${name}-speaker`, namespace: target });

    const removed = helmRun(['uninstall', name, '--namespace', target]);
    expect(removed.code).toBe(0);
    const crds = kc.makeApiClient(ApiextensionsV1Api);
    for (const crd of ['ipaddresspools', 'l2advertisements', 'addresspools', 'servicel2statuses']) {
      await crds.readCustomResourceDefinition({ name: `${crd}.metallb.io` });
    }
  });

  it('warns after install when the namespace enforces a Pod Security level the speaker cannot meet', async () => {
    const target = `${ns}-helm-psa`;
    await createNamespace(target, { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const name = `helm-psa-${run}`;
    const installed = helmRun(['install', name, chartDir(), '--namespace', target]);
    expect(installed.code).toBe(0);
    expect(installed.out).toContain(`WARNING: namespace ${target} enforces Pod Security "baseline"`);
    expect(installed.out).toContain(`kubectl label namespace ${target} pod-security.kubernetes.io/enforce=privileged --overwrite`);
    expect(helmRun(['uninstall', name, '--namespace', target]).code).toBe(0);
  });
});

describe('RBAC of the chart\'s ServiceAccounts', () => {
  type Row = readonly [allowed: boolean, verb: string, resource: string, extra?: Partial<V1ResourceAttributes>];
  const inNs = (extra: Partial<V1ResourceAttributes> = {}): Partial<V1ResourceAttributes> => ({ namespace: ns, ...extra });
  const core_ = (resource: string): { group: string; resource: string } => ({ group: '', resource });

  const speaker: Row[] = [
    [true, 'list', 'nodes'], [true, 'watch', 'services'], [true, 'list', 'endpointslices', { group: 'discovery.k8s.io' }],
    [true, 'list', 'pods', inNs()], [true, 'get', 'secrets', inNs({ name: 'l2lb-heartbeat' })],
    [true, 'create', 'servicel2statuses', inNs({ group: 'metallb.io' })], [true, 'delete', 'servicel2statuses', inNs({ group: 'metallb.io' })],
    [true, 'list', 'l2advertisements', inNs({ group: 'metallb.io' })], [true, 'create', 'events', inNs()],
    [false, 'update', 'services', inNs()], [false, 'patch', 'services', inNs()], [false, 'update', 'services', inNs({ subresource: 'status' })],
    [false, 'get', 'secrets', inNs({ name: 'some-other-secret' })], [false, 'list', 'secrets', { namespace: 'kube-system' }],
    [false, 'delete', 'pods', inNs()], [false, 'delete', 'services', inNs()], [false, 'delete', 'nodes'],
    [false, 'delete', 'ipaddresspools', inNs({ group: 'metallb.io' })], [false, 'update', 'ipaddresspools', inNs({ group: 'metallb.io' })],
    [true, 'create', 'configurationstates', inNs({ group: 'metallb.io' })], [true, 'update', 'configurationstates', inNs({ group: 'metallb.io', subresource: 'status', name: 'speaker-node1' })],
    // update of the object itself: a replaced speaker Pod makes itself the owner.
    [false, 'list', 'configurationstates', inNs({ group: 'metallb.io' })], [true, 'update', 'configurationstates', inNs({ group: 'metallb.io', name: 'speaker-node1' })],
  ];
  const controller: Row[] = [
    [true, 'list', 'services'], [true, 'update', 'services', inNs({ subresource: 'status' })], [true, 'list', 'namespaces'],
    [true, 'list', 'ipaddresspools', inNs({ group: 'metallb.io' })], [true, 'update', 'ipaddresspools', inNs({ group: 'metallb.io', subresource: 'status' })],
    [true, 'create', 'leases', inNs({ group: 'coordination.k8s.io' })], [true, 'update', 'leases', inNs({ group: 'coordination.k8s.io', name: 'l2lb-controller' })],
    [true, 'create', 'secrets', inNs()], [true, 'get', 'secrets', inNs({ name: 'l2lb-heartbeat' })], [true, 'create', 'events', inNs()],
    [false, 'list', 'pods', inNs()], [false, 'get', 'pods', inNs()], [false, 'delete', 'pods', inNs()],
    [false, 'list', 'nodes'], [false, 'get', 'nodes'], [false, 'update', 'nodes'],
    [false, 'get', 'secrets', inNs({ name: 'some-other-secret' })], [false, 'list', 'secrets', inNs()], [false, 'get', 'secrets', { namespace: 'kube-system' }],
    [false, 'update', 'leases', inNs({ group: 'coordination.k8s.io', name: 'someone-elses-lease' })],
    [false, 'create', 'servicel2statuses', inNs({ group: 'metallb.io' })],
    [true, 'create', 'configurationstates', inNs({ group: 'metallb.io' })], [true, 'update', 'configurationstates', inNs({ group: 'metallb.io', subresource: 'status', name: 'controller' })],
    [false, 'update', 'configurationstates', inNs({ group: 'metallb.io', subresource: 'status', name: 'speaker-node1' })], [false, 'delete', 'configurationstates', inNs({ group: 'metallb.io', name: 'speaker-node1' })],
    [true, 'update', 'configurationstates', inNs({ group: 'metallb.io', name: 'controller' })], [false, 'update', 'configurationstates', inNs({ group: 'metallb.io', name: 'speaker-node1' })],
  ];

  it.each([
    ['speaker', speaker],
    ['controller', controller],
  ])('the %s may do exactly what its program needs', async (who, rows) => {
    const sa = await env.serviceAccountKubeConfig(ns, `${release}-${who}`);
    const authz = sa.makeApiClient(AuthorizationV1Api);
    const verdicts: string[] = [];
    const expected: string[] = [];
    for (const [allowed, verb, resource, extra] of rows) {
      const attrs: V1ResourceAttributes = { ...core_(resource), verb, ...extra };
      const r = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attrs } } });
      const what = `${verb} ${attrs.group ? `${attrs.group}/` : ''}${resource}${attrs.subresource ? `/${attrs.subresource}` : ''}${attrs.name ? ` ${attrs.name}` : ''} in ${attrs.namespace ?? '(cluster)'}`;
      verdicts.push(`${r.status?.allowed ? 'yes' : 'no '} ${what}`);
      expected.push(`${allowed ? 'yes' : 'no '} ${what}`);
    }
    expect(verdicts).toEqual(expected);
  });
});
