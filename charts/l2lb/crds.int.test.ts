// The chart's CRDs against a real API server: MetalLB users' YAML applies unchanged, defaults are
// filled, and bad addresses are refused at admission with a message that names the entry.
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { expectApiError } from '../../e2e/testenv/api-status.js';
import { testenvFromJest } from '../../e2e/testenv/jest-info.js';
import { rawRequest } from '../../e2e/testenv/raw-api.js';

const env = testenvFromJest();
const kc = env.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const objects = KubernetesObjectApi.makeApiClient(kc);
const ns = `crds-${Date.now().toString(36)}`;
const group = 'metallb.io';
const version = 'v1beta1';

interface PoolSpec {
  addresses: string[];
  autoAssign?: boolean;
  avoidBuggyIPs?: boolean;
}
interface Pool {
  metadata: { name: string };
  spec: PoolSpec;
  status?: Record<string, unknown>;
}

const createPool = (name: string, spec: Partial<PoolSpec>, plural = 'ipaddresspools', kind = 'IPAddressPool'): Promise<Pool> =>
  custom.createNamespacedCustomObject({
    group,
    version,
    namespace: ns,
    plural,
    body: { apiVersion: `${group}/${version}`, kind, metadata: { name, namespace: ns }, spec },
  }) as Promise<Pool>;

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('IPAddressPool', () => {
  test('a valid pool reads back with MetalLB defaults filled in', async () => {
    await createPool('valid', { addresses: ['192.0.2.0/24', '2001:db8:1::/64', '198.51.100.10-198.51.100.20', '2001:db8::10 - 2001:db8::1f'] });
    const got = (await custom.getNamespacedCustomObject({ group, version, namespace: ns, plural: 'ipaddresspools', name: 'valid' })) as Pool;
    expect(got.spec).toEqual({
      addresses: ['192.0.2.0/24', '2001:db8:1::/64', '198.51.100.10-198.51.100.20', '2001:db8::10 - 2001:db8::1f'],
      autoAssign: true,
      avoidBuggyIPs: false,
    });
  });

  test('single-address ranges and host bits in a CIDR are accepted, as MetalLB does', async () => {
    await createPool('edge', { addresses: ['192.0.2.7-192.0.2.7', '203.0.113.9/24', '0.0.0.0-255.255.255.255', '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'] });
  });

  test.each([
    ['10.0.0.300/24', "'10.0.0.300/24' is not a valid CIDR (like 192.0.2.0/24 or 2001:db8::/64) or IP range (like 192.0.2.10-192.0.2.20)"],
    ['192.0.2.0/33', "'192.0.2.0/33' is not a valid CIDR"],
    ['192.0.2.1', "'192.0.2.1' is not a valid CIDR"],
    ['192.0.2.20-192.0.2.10', "'192.0.2.20-192.0.2.10' is not a valid IP range: start is after end"],
    ['10.0.1.0-10.0.0.255', "'10.0.1.0-10.0.0.255' is not a valid IP range: start is after end"],
    ['2001:db8::1:0-2001:db8::ffff', "'2001:db8::1:0-2001:db8::ffff' is not a valid IP range: start is after end"],
    ['192.0.2.1-2001:db8::1', "'192.0.2.1-2001:db8::1' is not a valid IP range: start and end are of different IP families"],
    ['192.0.2.1-', "'192.0.2.1-' is not a valid IP range: start and end must be IP addresses, like 192.0.2.10-192.0.2.20"],
    ['10.0.0.0/8-10.1.0.0', "'10.0.0.0/8-10.1.0.0' is not a valid IP range: start and end must be IP addresses"],
  ])('rejects %s', async (address, message) => {
    const status = await expectApiError(() => createPool(`bad-${Math.random().toString(36).slice(2, 8)}`, { addresses: ['192.0.2.0/24', address] }));
    expect(status.code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.message).toContain(`spec.addresses[1]: Invalid value: "${address}": ${message}`);
  });

  test('every bad entry is reported, not only the first', async () => {
    const status = await expectApiError(() => createPool('two-bad', { addresses: ['10.0.0.300/24', '192.0.2.20-192.0.2.10'] }));
    expect(status.message).toContain('spec.addresses[0]');
    expect(status.message).toContain('spec.addresses[1]');
  });

  test('status is a subresource: counts and conditions are written there, not through the main resource', async () => {
    const pool = await createPool('with-status', { addresses: ['192.0.2.0/28'] });
    const body = {
      ...pool,
      status: {
        assignedIPv4: 1,
        assignedIPv6: 0,
        availableIPv4: 15,
        availableIPv6: 0,
        conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'all ranges parse', lastTransitionTime: new Date().toISOString() }],
      },
    };
    const updated = (await custom.replaceNamespacedCustomObjectStatus({ group, version, namespace: ns, plural: 'ipaddresspools', name: 'with-status', body })) as Pool;
    expect(updated.status).toMatchObject({ assignedIPv4: 1, availableIPv4: 15 });
    // A write to the main resource leaves status alone.
    const again = (await custom.replaceNamespacedCustomObject({
      group, version, namespace: ns, plural: 'ipaddresspools', name: 'with-status',
      body: { ...updated, spec: { ...updated.spec, avoidBuggyIPs: true }, status: { assignedIPv4: 99 } },
    })) as Pool;
    expect(again.status).toMatchObject({ assignedIPv4: 1 });
    expect(again.spec.avoidBuggyIPs).toBe(true);
  });
});

describe("MetalLB's documented YAML applies unchanged", () => {
  // From MetalLB's configuration docs and OpenShift's MetalLB docs, verbatim.
  const docs = `
apiVersion: v1
kind: Namespace
metadata:
  name: metallb-system
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: first-pool
  namespace: metallb-system
spec:
  addresses:
  - 192.168.10.0/24
  - 192.168.9.1-192.168.9.5
  - fc00:f853:0ccd:e799::/124
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: ippool-ns-service-alloc-sample
  namespace: metallb-system
spec:
  addresses:
    - 192.168.20.0/24
  avoidBuggyIPs: true
  serviceAllocation:
    priority: 50
    namespaces:
      - namespace-a
      - namespace-b
    namespaceSelectors:
      - matchLabels:
          foo: bar
    serviceSelectors:
      - matchExpressions:
          - {key: app, operator: In, values: [bar]}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: cheap
  namespace: metallb-system
spec:
  addresses:
  - 192.168.144.0/20
  autoAssign: false
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: example
  namespace: metallb-system
spec:
  ipAddressPools:
  - first-pool
  nodeSelectors:
  - matchLabels:
      kubernetes.io/hostname: NodeA
  - matchLabels:
      kubernetes.io/hostname: NodeB
  interfaces:
  - eth3
  - eth4
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: l2-by-selector
  namespace: metallb-system
spec:
  ipAddressPoolSelectors:
  - matchExpressions:
    - key: kubernetes.io/pool
      operator: In
      values: [first-pool]
---
apiVersion: metallb.io/v1beta1
kind: AddressPool
metadata:
  name: doc-example
  namespace: metallb-system
spec:
  protocol: layer2
  addresses:
    - 172.31.249.7-172.31.249.50
---
apiVersion: metallb.io/v1alpha1
kind: AddressPool
metadata:
  name: gold
  namespace: metallb-system
spec:
  protocol: layer2
  addresses:
    - 10.0.100.0/28
  autoAssign: false
`;
  const manifests = parseAllDocuments(docs).map((d) => d.toJS() as KubernetesObject);
  const created: KubernetesObject[] = [];

  afterAll(async () => {
    for (const o of created.reverse()) await objects.delete(o).catch(() => undefined);
  });

  test.each(manifests.map((m) => [`${m.kind} ${m.metadata?.name}`, m] as const))('%s', async (_name, manifest) => {
    try {
      created.push(await objects.create(manifest));
    } catch (e) {
      // The namespace may exist already (another run against a `make cluster-up` cluster).
      if (manifest.kind !== 'Namespace') throw e;
    }
    const read = await objects.read({ apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: { name: manifest.metadata?.name ?? '', namespace: manifest.metadata?.namespace ?? '' } });
    const spec = (read as { spec?: Record<string, unknown> }).spec;
    const want = (manifest as { spec?: Record<string, unknown> }).spec;
    if (want) expect(spec).toMatchObject(want);
    if (manifest.kind === 'IPAddressPool' || manifest.kind === 'AddressPool') {
      expect(spec).toHaveProperty('autoAssign');
      expect(spec).toHaveProperty('avoidBuggyIPs');
    }
  });

  test('AddressPool rejects an unknown protocol, as MetalLB does', async () => {
    const status = await expectApiError(() => createPool('bad-proto', { addresses: ['192.0.2.0/24'], protocol: 'ospf' } as Partial<PoolSpec>, 'addresspools', 'AddressPool'));
    expect(status.message).toContain('spec.protocol: Unsupported value: "ospf": supported values: "layer2", "bgp"');
  });
});

describe('ServiceL2Status', () => {
  test('status is a subresource; a takeover rewrites node in place, the Service it names cannot change', async () => {
    const base = { apiVersion: `${group}/${version}`, kind: 'ServiceL2Status', metadata: { name: 'l2-web', namespace: ns } };
    const created = (await custom.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'servicel2statuses', body: base })) as KubernetesObject;
    const writeStatus = (obj: KubernetesObject, status: Record<string, unknown>): Promise<KubernetesObject & { status: Record<string, unknown> }> =>
      custom.replaceNamespacedCustomObjectStatus({ group, version, namespace: ns, plural: 'servicel2statuses', name: 'l2-web', body: { ...obj, status } });

    const first = await writeStatus(created, { node: 'node1', serviceName: 'web', serviceNamespace: ns, interfaces: [{ name: 'eth0' }] });
    expect(first.status).toEqual({ node: 'node1', serviceName: 'web', serviceNamespace: ns, interfaces: [{ name: 'eth0' }] });

    // The speaker's design (speaker/status/plan.ts): one object per Service, new owner rewrites node.
    const moved = await writeStatus(first, { ...first.status, node: 'node2' });
    expect(moved.status['node']).toBe('node2');

    const status = await expectApiError(() => writeStatus(moved, { ...moved.status, serviceName: 'other' }));
    expect(status.message).toContain('status.serviceName: Invalid value: "other": Value is immutable');
  });
});

describe('printer columns', () => {
  test('kubectl get ipaddresspools shows the addresses and the per-family counts', async () => {
    // The Table form of a list is what kubectl prints.
    const res = await rawRequest(kc, 'GET', `/apis/metallb.io/v1beta1/namespaces/${ns}/ipaddresspools`, undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    expect(res.status).toBe(200);
    const table = JSON.parse(res.body) as { columnDefinitions: { name: string }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name', 'Auto Assign', 'Avoid Buggy IPs', 'Addresses', 'Assigned IPv4', 'Assigned IPv6', 'Available IPv4', 'Available IPv6', 'Age',
    ]);
  });
});
