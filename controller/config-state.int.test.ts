// ConfigurationState written by the real controller process, with the chart's RBAC, against the
// real API server: Valid with a good configuration, Invalid with the bad pool's message, Valid
// again once fixed, and gone when the controller stops (SIGTERM). Its printer columns are
// MetalLB's. The pool gauges MetalLB's dashboards use are scraped from the same process.
import { ControllerFixture, metricValue } from '../e2e/programs/controller-fixture.js';
import type { ProgramProcess } from '../e2e/programs/process.js';
import { rawJson } from '../e2e/testenv/raw-api.js';
import { waitFor } from '../e2e/testenv/wait.js';
import type { ConfigurationState } from '../shared/config-state/status.js';

const f = new ControllerFixture('cfgstate');
let controller: ProgramProcess;
let metricsPort: number;

const group = 'metallb.io';
const version = 'v1beta1';

const state = (): Promise<ConfigurationState | undefined> => f.controllerConfigurationState();

async function waitForResult(result: string, summary: RegExp): Promise<ConfigurationState> {
  let last: ConfigurationState | undefined;
  await waitFor(`ConfigurationState controller ${result}`, async () => {
    last = await state();
    return last?.status?.result === result && summary.test(last.status.errorSummary);
  }, { timeoutMs: 15_000, intervalMs: 100 }).catch((err: unknown) => {
    throw new Error(`${String(err)}; last seen: ${JSON.stringify(last?.status)}`);
  });
  return last!;
}

beforeAll(async () => {
  await f.setUp();
  await f.createPool('good', { addresses: ['192.0.2.0/29', '2001:db8:7::/126'] });
  ({ proc: controller, metricsPort } = await f.startController());
});

afterAll(() => f.tearDown());

describe('ConfigurationState of the controller', () => {
  it('is Valid with a valid configuration, labelled as MetalLB labels it', async () => {
    const s = await waitForResult('Valid', /^$/);
    expect(s.metadata.labels).toEqual({ 'metallb.io/component-type': 'controller' });
    expect(s.status?.conditions).toEqual([expect.objectContaining({ type: 'Valid', status: 'True', reason: 'ConfigurationValid' })]);
  });

  it('turns Invalid with the bad pool\'s message, and Valid again when the pool is fixed', async () => {
    await f.createPool('bad', { addresses: ['192.0.2.4/30'] });
    const invalid = await waitForResult('Invalid', /IPAddressPool "bad": .*192\.0\.2\.4\/30.*overlaps/);
    expect(invalid.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'ConfigurationInvalid' });
    await rawJson(f.kc, 'PATCH', `/apis/${group}/${version}/namespaces/${f.installNs}/ipaddresspools/bad`, { spec: { addresses: ['198.51.100.0/30'] } }, { 'Content-Type': 'application/merge-patch+json' });
    await waitForResult('Valid', /^$/);
  });

  it('shows Result and ErrorSummary columns in kubectl get (MetalLB\'s printer columns)', async () => {
    const table = await rawJson<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>(
      f.kc,
      'GET',
      `/apis/${group}/${version}/namespaces/${f.installNs}/configurationstates`,
      undefined,
      { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    );
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Result', 'ErrorSummary', 'Age']);
    expect(table.rows[0]?.cells.slice(0, 3)).toEqual(['controller', 'Valid', '']);
  });

  it('exports MetalLB\'s per-family pool gauges, and drops a deleted pool\'s series', async () => {
    await f.createService('one', { annotations: { 'metallb.io/address-pool': 'good' } });
    await f.waitForIps('one');
    await waitFor('pool gauges', async () => metricValue(await f.metrics(metricsPort), 'metallb_allocator_services_allocated_total', { pool: 'good' }) === 1, { timeoutMs: 10_000 });
    const text = await f.metrics(metricsPort);
    expect(metricValue(text, 'metallb_allocator_ipv4_addresses_total', { pool: 'good' })).toBe(8);
    expect(metricValue(text, 'metallb_allocator_ipv6_addresses_total', { pool: 'good' })).toBe(4);
    expect(metricValue(text, 'metallb_allocator_ipv4_addresses_in_use_total', { pool: 'good' })).toBe(1);
    expect(metricValue(text, 'metallb_allocator_ipv6_addresses_in_use_total', { pool: 'good' })).toBe(0);
    expect(metricValue(text, 'metallb_allocator_ipv4_addresses_total', { pool: 'bad' })).toBe(4);
    await f.deletePool('bad');
    await waitFor('series of the deleted pool gone', async () => !(await f.metrics(metricsPort)).includes('pool="bad"'), { timeoutMs: 10_000 });
  });

  it('is deleted when the controller stops (SIGTERM)', async () => {
    await controller.stop('SIGTERM');
    await waitFor('ConfigurationState controller deleted', async () => (await state()) === undefined, { timeoutMs: 10_000 });
  });
});
