// The promise of docs/migrating-from-metallb.md, step 2: l2lb's controller takes over Services
// MetalLB already served and changes no address. Services are given status addresses the way
// MetalLB leaves them (deliberately not the ones l2lb would pick first), then the real
// controller starts with the chart's RBAC; every address must stay, and a new Service must get
// a free one around them.
import { ControllerFixture } from '../e2e/programs/controller-fixture.js';
import { sleep } from '../e2e/testenv/wait.js';

const f = new ControllerFixture('migr');

/** What MetalLB left behind: Service name -> (annotations, address in status). */
const metallbState: Record<string, { annotations?: Record<string, string>; ip: string }> = {
  a: { ip: '192.168.10.245' },
  b: { ip: '192.168.10.241' },
  'shared-1': { annotations: { 'metallb.io/allow-shared-ip': 'k' }, ip: '192.168.10.247' },
  'shared-2': { annotations: { 'metallb.io/allow-shared-ip': 'k' }, ip: '192.168.10.247' },
};

beforeAll(async () => {
  await f.setUp();
  await f.createPool('lan', { addresses: ['192.168.10.240-192.168.10.250'] });
  let port = 80;
  for (const [name, s] of Object.entries(metallbState)) {
    const svc = await f.createService(name, { annotations: s.annotations ?? {}, spec: { ports: [{ port: port++, protocol: 'TCP' }] } });
    await f.core.replaceNamespacedServiceStatus({
      name, namespace: f.appNs,
      body: { ...svc, metadata: { ...svc.metadata, annotations: { ...svc.metadata?.annotations, 'metallb.io/ip-allocated-from-pool': 'lan' } }, status: { loadBalancer: { ingress: [{ ip: s.ip, ipMode: 'VIP' }] } } },
    });
  }
  await f.startController();
}, 60_000);

afterAll(() => f.tearDown());

it('keeps every address MetalLB assigned, shared ones included', async () => {
  // Let the controller's adopt-first resync run over all of them, then look.
  await f.createService('new');
  await f.waitForIps('new');
  await sleep(500);
  for (const [name, s] of Object.entries(metallbState)) expect([name, await f.ingressIps(name)]).toEqual([name, [s.ip]]);
});

it('gives a new Service the first address MetalLB had not used', async () => {
  expect(await f.waitForIps('new')).toEqual(['192.168.10.240']);
  await f.createService('newer');
  expect(await f.waitForIps('newer')).toEqual(['192.168.10.242']);
});
