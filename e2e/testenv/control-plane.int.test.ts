// The test control plane does what l2lb's integration tests rely on: RBAC, dual-stack Services,
// real EndpointSlices from kube-controller-manager, ServiceAccount identities.
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, VersionApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { expectApiError } from './api-status.js';
import { testenvFromJest } from './jest-info.js';
import { sleep } from './wait.js';

const env = testenvFromJest();
const kc: KubeConfig = env.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const ns = `testenv-${Date.now().toString(36)}`;

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  // Pods are refused until the namespace's `default` ServiceAccount exists (serviceaccount-controller).
  await eventually('default ServiceAccount', async () => core.readNamespacedServiceAccount({ name: 'default', namespace: ns }));
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

test('serves the pinned Kubernetes version over TLS with the admin client certificate', async () => {
  const v = await kc.makeApiClient(VersionApi).getCode();
  expect(v.gitVersion).toBe('v1.35.4');
  expect(env.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

test('a ServiceAccount without RBAC rights is Forbidden to list IPAddressPools', async () => {
  const sa = await env.serviceAccountKubeConfig(ns, 'no-rights');
  const api = sa.makeApiClient(CustomObjectsApi);
  const status = await expectApiError(() =>
    api.listNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', namespace: ns, plural: 'ipaddresspools' }),
  );
  expect(status.code).toBe(403);
  expect(status.reason).toBe('Forbidden');
  expect(status.message).toContain(`User "system:serviceaccount:${ns}:no-rights" cannot list resource "ipaddresspools" in API group "metallb.io"`);
});

test('a RequireDualStack LoadBalancer Service gets an IPv4 and an IPv6 cluster IP', async () => {
  const svc = await core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name: 'dual' },
      spec: { type: 'LoadBalancer', ipFamilyPolicy: 'RequireDualStack', selector: { app: 'dual' }, ports: [{ port: 80, protocol: 'TCP' }] },
    },
  });
  expect(svc.spec?.ipFamilies).toEqual(['IPv4', 'IPv6']);
  const [v4, v6] = svc.spec?.clusterIPs ?? [];
  expect(v4).toMatch(/^10\.96\./);
  expect(v6).toMatch(/^fd00:10:96::/);
});

test('an IPv6-only Service can be created', async () => {
  const svc = await core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'v6only' }, spec: { type: 'LoadBalancer', ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack', ports: [{ port: 443 }] } },
  });
  expect(svc.spec?.clusterIPs).toHaveLength(1);
  expect(svc.spec?.clusterIP).toMatch(/^fd00:10:96::/);
});

test('kube-controller-manager publishes a ready endpoint for a Pod whose status is patched Ready', async () => {
  const nodeName = `${ns}-node1`;
  await core.createNode({ body: { metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } } });
  try {
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    });
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'web-1', labels: { app: 'web' } },
        spec: { nodeName, containers: [{ name: 'web', image: 'registry.invalid/web:never-pulled', ports: [{ containerPort: 8080 }] }] },
      },
    });
    // No kubelet here: play its part through the status subresource.
    const pod: V1Pod = await core.readNamespacedPodStatus({ name: 'web-1', namespace: ns });
    const now = new Date();
    pod.status = {
      phase: 'Running',
      hostIP: '192.0.2.11',
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
      ],
    };
    await core.replaceNamespacedPodStatus({ name: 'web-1', namespace: ns, body: pod });

    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const endpoint = await eventually('ready endpoint in an EndpointSlice', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'kubernetes.io/service-name=web' });
      return slices.items.flatMap((s) => s.endpoints ?? []).find((ep) => ep.conditions?.ready === true);
    });
    expect(endpoint.addresses).toEqual(['10.244.1.5']);
    expect(endpoint.nodeName).toBe(nodeName);
    expect(endpoint.targetRef?.name).toBe('web-1');
  } finally {
    await core.deleteNode({ name: nodeName }).catch(() => undefined);
  }
});
