// The chart as helm sees it: lint is clean, it renders with the default values and with every
// option on, the schema rejects bad values with a message naming the key, and the flags the
// templates pass are flags the programs accept.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allOnValues, chartDir, helm, only, podSpec, render, templateArgs, type KubeObject } from './render.js';
import { repoRoot } from '../../e2e/testenv/tools.js';

const kinds = (objs: readonly KubeObject[]): string[] => objs.map((o) => o.kind).sort();

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'l2lb-chart-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function valuesFile(name: string, yaml: string): string {
  const path = join(tmp, name);
  writeFileSync(path, yaml);
  return path;
}

describe('helm lint', () => {
  it.each([
    ['default values', [] as string[]],
    ['every option on', ['--values', allOnValues()]],
  ])('is clean with %s (--strict)', (_what, extra) => {
    const r = helm(['lint', chartDir(), '--strict', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.code).toBe(0);
  });
});

describe('helm template', () => {
  it('renders the default install: workloads, RBAC, metrics Services, nothing optional, no Secret', () => {
    const objs = render();
    expect(kinds(objs)).toEqual([
      'ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'DaemonSet', 'Deployment', 'PodDisruptionBudget',
      'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'Service', 'ServiceAccount', 'ServiceAccount',
    ]);
    // The heartbeat key is made by the controller at run time, never by the chart.
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('puts every namespaced object in the release namespace', () => {
    const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding']);
    for (const o of render({ namespace: 'lb-test', valuesFiles: [allOnValues()] })) {
      if (clusterScoped.has(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect([o.kind, o.metadata.namespace]).toEqual([o.kind, 'lb-test']);
    }
  });

  it('renders every option: ServiceMonitors, PrometheusRule, dashboard ConfigMap with valid JSON', () => {
    const objs = render({ valuesFiles: [allOnValues()] });
    expect(objs.filter((o) => o.kind === 'ServiceMonitor').map((o) => o.metadata.name).sort()).toEqual(['l2lb-controller', 'l2lb-speaker']);
    const rule = only(objs, 'PrometheusRule');
    const alerts = ((rule['spec'] as { groups: { rules: { alert: string; labels: Record<string, string> }[] }[] }).groups)
      .flatMap((g) => g.rules);
    expect(new Set(alerts.map((a) => a.alert))).toEqual(new Set([
      'L2LBAddressPoolUsageHigh', 'L2LBAddressPoolExhausted', 'L2LBVIPWithoutAnnouncer', 'L2LBVIPAnnouncedTwice',
      'L2LBSpeakerDown', 'L2LBSpeakerPeersDown', 'L2LBHeartbeatsRejected', 'L2LBControllerNoLeader', 'L2LBConfigInvalid', 'L2LBConfigNotLoaded',
    ]));
    expect(alerts.filter((a) => a.alert === 'L2LBAddressPoolUsageHigh').map((a) => a.labels['severity'])).toEqual(['info', 'warning', 'critical']);
    expect(alerts.every((a) => a.labels['team'] === 'network')).toBe(true);
    const cm = only(objs, 'ConfigMap', '-dashboard');
    const json = (cm['data'] as Record<string, string>)['l2lb.json']!;
    const dash = JSON.parse(json) as { uid: string; panels: { title: string }[] };
    expect(dash.uid).toBe('l2lb-overview');
    expect(dash.panels.map((p) => p.title)).toEqual(expect.arrayContaining(['Pool usage', 'VIPs announced per node', 'Failure detection time']));
    expect(json).toBe(readFileSync(join(chartDir(), 'dashboards/l2lb.json'), 'utf8').trimEnd());
  });

  it('renders PodMonitors instead of ServiceMonitors when asked', () => {
    const objs = render({ set: ['metrics.podMonitor.enabled=true'] });
    expect(objs.filter((o) => o.kind === 'PodMonitor')).toHaveLength(2);
    expect(objs.filter((o) => o.kind === 'ServiceMonitor')).toHaveLength(0);
  });

  it('refuses ServiceMonitor and PodMonitor together (double scraping)', () => {
    const r = helm(templateArgs({ set: ['metrics.serviceMonitor.enabled=true', 'metrics.podMonitor.enabled=true'] }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('metrics.serviceMonitor.enabled and metrics.podMonitor.enabled are both true');
  });

  it('renders the controller PodDisruptionBudget only when it can be honoured (more than one replica)', () => {
    const pdb = only(render(), 'PodDisruptionBudget');
    expect(pdb['spec']).toEqual({ maxUnavailable: 1, selector: { matchLabels: (only(render(), 'Deployment')['spec'] as { selector: { matchLabels: unknown } }).selector.matchLabels } });
    expect(render({ set: ['controller.replicas=1'] }).some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(render({ set: ['controller.podDisruptionBudget.enabled=false'] }).some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it.each(['Deployment', 'DaemonSet'])('passes loadBalancerClass to the %s only when set', (kind) => {
    const args = (objs: KubeObject[]): string[] => podSpec(only(objs, kind)).containers[0]!.args ?? [];
    expect(args(render()).some((a) => a.startsWith('--lb-class'))).toBe(false);
    expect(args(render({ set: ['loadBalancerClass=example.com/l2'] }))).toContain('--lb-class=example.com/l2');
  });

  it('gives controller and speaker the same heartbeat Secret name', () => {
    const objs = render({ set: ['speaker.heartbeatSecretName=my-key'] });
    for (const kind of ['Deployment', 'DaemonSet']) expect(podSpec(only(objs, kind)).containers[0]!.args).toContain('--heartbeat-secret=my-key');
  });

  it('selects as peers exactly the pods its own DaemonSet runs', () => {
    const ds = only(render({ release: 'edge' }), 'DaemonSet');
    const matchLabels = (ds['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    const arg = podSpec(ds).containers[0]!.args!.find((a) => a.startsWith('--speaker-selector='))!;
    const selector = Object.fromEntries(arg.slice('--speaker-selector='.length).split(',').map((kv) => kv.split('=') as [string, string]));
    expect(selector).toEqual(matchLabels);
  });

  it('flow spreading: off by default; on passes --spread-flows and adds NET_ADMIN to the speaker only', () => {
    const speaker = (objs: ReturnType<typeof render>) => podSpec(only(objs, 'DaemonSet')).containers[0]!;
    const off = render();
    expect(speaker(off).args).not.toContain('--spread-flows');
    expect(speaker(off).securityContext?.capabilities?.add).toEqual(['NET_RAW']);
    const on = render({ set: ['speaker.spreadFlows.enabled=true'] });
    expect(speaker(on).args).toContain('--spread-flows');
    expect(speaker(on).securityContext?.capabilities?.add).toEqual(['NET_RAW', 'NET_ADMIN']);
    expect(podSpec(only(on, 'Deployment')).containers[0]!.securityContext?.capabilities?.add ?? []).toEqual([]);
    expect(helm(templateArgs({ set: ['speaker.spreadFlows.enabled=yes'] })).code).not.toBe(0);
  });

  it('refuses a dead-after time shorter than three heartbeat intervals', () => {
    const r = helm(templateArgs({ set: ['speaker.heartbeatIntervalMs=200', 'speaker.deadAfterMs=500'] }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('speaker.deadAfterMs must be at least 3 x speaker.heartbeatIntervalMs');
  });
});

describe('helm package', () => {
  it('ships the chart without its tests and tools, and the packaged chart still renders the dashboard', () => {
    const out = join(tmp, 'pkg');
    const r = helm(['package', chartDir(), '--destination', out]);
    expect(r.code).toBe(0);
    const tgz = join(out, 'l2lb-0.1.0.tgz');
    const files = spawnSync('tar', ['tzf', tgz], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(files.filter((f) => /\.ts$|\/tools\/|\/ci\//.test(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining([
      'l2lb/values.schema.json', 'l2lb/dashboards/l2lb.json', 'l2lb/crds/servicel2statuses.yaml', 'l2lb/templates/NOTES.txt',
    ]));
    const t = helm(['template', 'l2lb', tgz, '--set', 'grafanaDashboard.enabled=true']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('"uid": "l2lb-overview"');
  });
});

describe('values.schema.json', () => {
  it.each([
    ['a wrong type', 'controller:\n  replicas: two\n', "at '/controller/replicas': got string, want integer"],
    ['an unknown nested key', 'speaker:\n  heartbeatPrt: 7946\n', "at '/speaker': additional properties 'heartbeatPrt' not allowed"],
    ['an unknown top-level key', 'crds:\n  enabled: false\n', "at '': additional properties 'crds' not allowed"],
    ['a value outside its enum', 'logLevel: verbose\n', "at '/logLevel': value must be one of 'debug', 'info', 'warn', 'error'"],
    ['a port out of range', 'speaker:\n  heartbeatPort: 70000\n', "at '/speaker/heartbeatPort': maximum: got 70,000, want 65,535"],
    ['an extra argument that is not a flag', 'controller:\n  extraArgs: ["debug"]\n', "at '/controller/extraArgs/0'"],
  ])('rejects %s with a message naming the key', (_what, yaml, message) => {
    const r = helm(templateArgs({ valuesFiles: [valuesFile('bad.yaml', yaml)] }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(message);
  });

  it('accepts a percentage or a number for speaker.maxUnavailable, nothing else', () => {
    expect(helm(templateArgs({ set: ['speaker.maxUnavailable=2'] })).code).toBe(0);
    expect(helm(templateArgs({ set: ['speaker.maxUnavailable=25%'] })).code).toBe(0);
    expect(helm(templateArgs({ set: ['speaker.maxUnavailable=lots'] })).code).not.toBe(0);
  });
});

describe('the flags the templates pass', () => {
  // Each program's strict parser rejects an unknown or repeated flag with exit code 2, and stops
  // at --help with exit code 0: so `<args> --help` succeeds exactly when every arg is accepted.
  const bin = (name: string): string => join(repoRoot(), 'bin', name);
  it.each([
    ['Deployment', 'l2lb-controller'],
    ['DaemonSet', 'l2lb-speaker'],
  ])('%s args are accepted by %s (default and every option on)', (kind, program) => {
    if (!existsSync(join(repoRoot(), 'dist', program === 'l2lb-controller' ? 'controller' : 'speaker', 'main.js'))) {
      throw new Error('dist/ is missing: run `make build` (npx tsc -p tsconfig.json) first');
    }
    for (const objs of [render(), render({ valuesFiles: [allOnValues()] })]) {
      const c = podSpec(only(objs, kind)).containers[0]!;
      expect(c.command).toEqual([program]);
      const r = spawnSync(bin(program), [...(c.args ?? []), '--help'], { encoding: 'utf8', env: { ...process.env, L2LB_NODE: process.execPath } });
      expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    }
  });

  // A tripwire for new flags: each flag of a program is either set by the chart or listed here
  // as deliberately left to its default. A new flag (say --heartbeat-secret) fails this test
  // until the chart passes it from values or it is added below with a reason.
  const leftToDefault: Record<string, string[]> = {
    // in-cluster config (no kubeconfig, so no context); 0.0.0.0 so probes and Prometheus reach the pod IP; Lease timing (tune with extraArgs)
    'l2lb-controller': ['kubeconfig', 'context', 'metrics-host', 'lease-duration', 'renew-deadline', 'retry-period'],
    'l2lb-speaker': ['kubeconfig', 'context', 'metrics-host', 'verify-source-address'], // in-cluster config (no context); all addresses (kubelet probes the host IP); the safe default (on)
  };
  it.each([
    ['Deployment', 'l2lb-controller'],
    ['DaemonSet', 'l2lb-speaker'],
  ])('%s: the chart sets every flag of %s not deliberately left to its default', (kind, program) => {
    const r = spawnSync(process.execPath, [bin(program), '--help'], { encoding: 'utf8' });
    const known = [...r.stdout.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((m) => m[1]!).filter((f) => f !== 'help');
    const passed = (podSpec(only(render({ valuesFiles: [allOnValues()] }), kind)).containers[0]!.args ?? []).map((a) => a.replace(/^--/, '').split('=')[0]!);
    expect(known.filter((f) => !passed.includes(f) && !leftToDefault[program]!.includes(f))).toEqual([]);
  });
});
