// The quick start, run: the pool, L2Advertisement and Service exactly as docs/quick-start.md
// shows them, applied to the real API server, with the real controller process (the chart's
// RBAC and ServiceAccount token). The Service must get the EXTERNAL-IP the page prints, the
// Events it names, and the pinned address of its "Choosing an address" snippet. (Who announces
// it, the ServiceL2Status half, needs speakers on a network: the lab suite's job.)
//
// Adjustments for a shared test server, nothing else: the fixture's own namespaces instead of
// metallb-system/default, and its unique loadBalancerClass so other suites' controllers ignore
// these Services.
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { ControllerFixture } from '../e2e/programs/controller-fixture.js';
import { repoRoot } from '../e2e/testenv/tools.js';
import { codeBlocks } from './markdown.js';

const page = join(repoRoot(), 'docs/quick-start.md');
const blocks = codeBlocks(page, repoRoot());
const f = new ControllerFixture('qs');

function objectsOfPage(): KubernetesObject[] {
  return blocks.filter((b) => b.lang === 'yaml').flatMap((b) => parseAllDocuments(b.text).map((d) => d.toJS() as KubernetesObject))
    .filter((o) => o && o.apiVersion && o.kind);
}

/** The EXTERNAL-IP column of the page's sample `kubectl get svc web` output. */
function printedExternalIp(): string {
  const out = blocks.find((b) => b.lang === '' && /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP/m.test(b.text));
  const row = out?.text.split('\n').find((l) => l.startsWith('web '));
  const ip = row?.trim().split(/\s+/)[3];
  if (!ip) throw new Error('docs/quick-start.md: no sample `kubectl get svc web` output with an EXTERNAL-IP');
  return ip;
}

/** The annotations of the page's "Choosing an address" snippet. */
function snippetAnnotations(): Record<string, string> {
  const b = blocks.find((x) => x.lang === 'yaml' && x.text.includes('metallb.io/loadBalancerIPs'));
  const v = parse(b?.text ?? '') as { metadata?: { annotations?: Record<string, string> } } | null;
  const a = v?.metadata?.annotations;
  if (!a) throw new Error('docs/quick-start.md: no annotations snippet');
  return a;
}

function placed(o: KubernetesObject): KubernetesObject {
  const installKinds = new Set(['IPAddressPool', 'L2Advertisement']);
  const namespace = installKinds.has(o.kind ?? '') ? f.installNs : f.appNs;
  const obj = { ...o, metadata: { ...o.metadata, namespace } } as KubernetesObject & { spec?: Record<string, unknown> };
  if (o.kind === 'Service') obj.spec = { ...obj.spec, loadBalancerClass: f.lbClass };
  return obj;
}

beforeAll(async () => {
  await f.setUp();
  const api = KubernetesObjectApi.makeApiClient(f.kc);
  for (const o of objectsOfPage()) await api.patch(placed(o), undefined, undefined, 'l2lb-quick-start', true, PatchStrategy.ServerSideApply);
  await f.startController();
}, 60_000);

afterAll(() => f.tearDown());

it('the page shows a pool, an L2Advertisement and a LoadBalancer Service', () => {
  expect(objectsOfPage().map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(expect.arrayContaining(['IPAddressPool/lan', 'L2Advertisement/lan', 'Service/web']));
});

it('the Service gets the EXTERNAL-IP the page prints, with the IPAllocated Event it names', async () => {
  const ip = printedExternalIp();
  expect(await f.waitForIps('web')).toEqual([ip]);
  await f.waitForEvent('web', 'IPAllocated', ip);
  // The pool is announced (the L2Advertisement selects it), so no NotAnnounced warning.
  expect((await f.events('web')).filter((e) => e.reason === 'NotAnnounced')).toEqual([]);
});

it('the "Choosing an address" annotations pin the address they name', async () => {
  const annotations = snippetAnnotations();
  await f.createService('pinned', { annotations: { 'metallb.io/loadBalancerIPs': annotations['metallb.io/loadBalancerIPs']! } });
  expect(await f.waitForIps('pinned')).toEqual([annotations['metallb.io/loadBalancerIPs']]);
  await f.createService('by-pool', { annotations: { 'metallb.io/address-pool': annotations['metallb.io/address-pool']! } });
  expect(await f.waitForIps('by-pool')).toHaveLength(1);
});

it('without an L2Advertisement the address is still assigned, and a Warning Event says it is not announced (the trap the page warns about)', async () => {
  await f.custom.deleteNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', namespace: f.installNs, plural: 'l2advertisements', name: 'lan' });
  await f.createService('unannounced');
  const [ip] = await f.waitForIps('unannounced');
  const warning = await f.waitForEvent('unannounced', 'NotAnnounced', 'no L2Advertisement selects pool');
  expect(warning.type).toBe('Warning');
  expect(warning.message).toContain(ip!);
});
