// Every PromQL expression the chart ships is checked with Prometheus' own code
// (tools/build-promql-tools.sh): each alert and dashboard query parses, and each alert fires on
// the series that mean trouble and stays quiet on the ones that do not (evaluated by
// Prometheus' engine on synthetic series, in its own test language).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartDir, only, render } from './render.js';

let check: string;
let evaluate: string;
let tmp: string;
beforeAll(() => {
  const out = execFileSync('bash', [join(chartDir(), 'tools/build-promql-tools.sh')], { encoding: 'utf8', timeout: 540_000 });
  const path = (name: string): string => {
    const m = new RegExp(`^${name}=(.+)$`, 'm').exec(out);
    if (!m) throw new Error(`build-promql-tools.sh printed no ${name}`);
    return m[1]!;
  };
  check = path('PROMQL_CHECK');
  evaluate = path('PROMQL_EVAL');
  tmp = mkdtempSync(join(tmpdir(), 'l2lb-promql-'));
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const oneLine = (e: string): string => e.replace(/\s+/g, ' ').trim();

/** Expressions that fail to parse, with the parser's message; empty when all parse. */
function rejected(exprs: readonly string[]): string[] {
  const r = spawnSync(check, [], { input: `${exprs.map(oneLine).join('\n')}\n`, encoding: 'utf8' });
  if (r.status !== 0 && r.stdout === '') throw new Error(`promql-check failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
}

const NS = 'ns';
function ruleExprs(set: string[] = []): Rule[] {
  const rule = only(render({ release: 'rel', namespace: NS, set: ['metrics.prometheusRule.enabled=true', ...set] }), 'PrometheusRule');
  return (rule['spec'] as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
}

describe('parsing', () => {
  it('the checker rejects bad PromQL (so a pass below means something)', () => {
    expect(rejected(['sum(rate(x[5m]) by (a)', 'up == 1'])).toEqual([expect.stringContaining('sum(rate(x[5m]) by (a)\t')]);
  });

  it('every alert expression parses, with every option on too', () => {
    const rules = [...ruleExprs(), ...ruleExprs(['metrics.prometheusRule.vipWithoutAnnouncer.ipRegex=192\\.0\\.2\\..*'])];
    expect(rules.length).toBeGreaterThanOrEqual(20);
    expect(rejected(rules.map((r) => r.expr))).toEqual([]);
  });

  it('every dashboard query parses (Grafana variables replaced as Grafana would)', () => {
    const dash = JSON.parse(readFileSync(join(chartDir(), 'dashboards/l2lb.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dash.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$namespace', 'metallb-system'));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    expect(rejected(exprs)).toEqual([]);
  });
});

interface Case {
  readonly alert: string;
  /** Which rule of that name (the pool usage levels share one name). */
  readonly index?: number;
  /** `load 1m` series lines, e.g. `up{pod="a"} 1+0x10`. */
  readonly series: readonly string[];
  /** Expected result at 5m, one `{labels} value` line each; empty: the alert stays quiet. */
  readonly fires: readonly string[];
}

const pools = [
  `metallb_allocator_addresses_total{namespace="${NS}",pod="c1",pool="a"} 100+0x10`,
  `metallb_allocator_addresses_total{namespace="${NS}",pod="c2",pool="a"} 100+0x10`,
  `metallb_allocator_addresses_in_use_total{namespace="${NS}",pod="c1",pool="a"} 80+0x10`,
  `metallb_allocator_addresses_in_use_total{namespace="${NS}",pod="c2",pool="a"} 0+0x10`,
  `metallb_allocator_addresses_total{namespace="${NS}",pod="c1",pool="b"} 10+0x10`,
  `metallb_allocator_addresses_in_use_total{namespace="${NS}",pod="c1",pool="b"} 2+0x10`,
  `metallb_allocator_addresses_total{namespace="${NS}",pod="c1",pool="empty"} 0+0x10`,
  `metallb_allocator_addresses_in_use_total{namespace="${NS}",pod="c1",pool="empty"} 0+0x10`,
  `metallb_allocator_addresses_total{namespace="${NS}",pod="c1",pool="x"} 4+0x10`,
  `metallb_allocator_addresses_in_use_total{namespace="${NS}",pod="c1",pool="x"} 4+0x10`,
  // Another installation's pool: never ours to alert on.
  `metallb_allocator_addresses_total{namespace="other",pod="o",pool="a"} 100+0x10`,
  `metallb_allocator_addresses_in_use_total{namespace="other",pod="o",pool="a"} 100+0x10`,
];
const announced = (ip: string, node: string, service: string): string =>
  `metallb_speaker_announced{namespace="${NS}",ip="${ip}",node="${node}",protocol="layer2",service="${service}"} 1+0x10`;

const cases: [string, Case][] = [
  ['pool usage, info level: the 80 % pool (standby replicas export 0, max() sees the leader)', { alert: 'L2LBAddressPoolUsageHigh', index: 0, series: pools, fires: ['{pool="a"} 80', '{pool="x"} 100'] }],
  ['pool usage, warning level', { alert: 'L2LBAddressPoolUsageHigh', index: 1, series: pools, fires: ['{pool="x"} 100'] }],
  ['pool usage, critical level', { alert: 'L2LBAddressPoolUsageHigh', index: 2, series: pools, fires: ['{pool="x"} 100'] }],
  ['pool exhausted: only the full pool, never the empty one', { alert: 'L2LBAddressPoolExhausted', series: pools, fires: ['{pool="x"} 4'] }],
  ['VIP without announcer: the Service IP no speaker announces', {
    alert: 'L2LBVIPWithoutAnnouncer',
    series: [
      'kube_service_status_load_balancer_ingress{namespace="app",service="web",ip="10.0.0.1"} 1+0x10',
      'kube_service_status_load_balancer_ingress{namespace="app",service="db",ip="10.0.0.2"} 1+0x10',
      announced('10.0.0.1', 'n1', 'app/web'),
    ],
    fires: ['{namespace="app",service="db",ip="10.0.0.2"} 1'],
  }],
  ['VIP announced twice: two nodes, not two Services sharing an IP on one node', {
    alert: 'L2LBVIPAnnouncedTwice',
    series: [announced('10.0.0.1', 'n1', 'app/a'), announced('10.0.0.1', 'n1', 'app/b'), announced('10.0.0.2', 'n1', 'app/c'), announced('10.0.0.2', 'n2', 'app/c')],
    fires: ['{ip="10.0.0.2"} 2'],
  }],
  ['speaker down: only this release\'s speaker pods', {
    alert: 'L2LBSpeakerDown',
    series: [`up{namespace="${NS}",pod="rel-speaker-abc"} 0+0x10`, `up{namespace="${NS}",pod="rel-speaker-ok"} 1+0x10`, `up{namespace="${NS}",pod="rel-controller-x"} 0+0x10`],
    fires: [`up{namespace="${NS}",pod="rel-speaker-abc"} 0`],
  }],
  ['speaker peers down: the speaker that sees fewer peers than the others', {
    alert: 'L2LBSpeakerPeersDown',
    series: ['s1', 's2', 's3'].map((p) => `l2lb_speaker_peers_alive{namespace="${NS}",pod="${p}"} ${p === 's3' ? 1 : 2}+0x10`),
    fires: ['{pod="s3"} 1'],
  }],
  ['speaker peers down: quiet when all agree', {
    alert: 'L2LBSpeakerPeersDown',
    series: ['s1', 's2', 's3'].map((p) => `l2lb_speaker_peers_alive{namespace="${NS}",pod="${p}"} 2+0x10`),
    fires: [],
  }],
  ['heartbeats rejected: a steady 1/s of bad-mac, not a flat counter', {
    alert: 'L2LBHeartbeatsRejected',
    series: [`l2lb_heartbeat_rejected_total{namespace="${NS}",pod="s1",reason="bad-mac"} 0+60x10`, `l2lb_heartbeat_rejected_total{namespace="${NS}",pod="s2",reason="replay"} 5+0x10`],
    fires: ['{pod="s1",reason="bad-mac"} 1'],
  }],
  ['no controller leader: every replica standing by', {
    alert: 'L2LBControllerNoLeader',
    series: [`l2lb_controller_leader{namespace="${NS}",pod="c1"} 0+0x10`, `l2lb_controller_leader{namespace="${NS}",pod="c2"} 0+0x10`],
    fires: ['{} 0'],
  }],
  ['no controller leader: no controller scraped at all', { alert: 'L2LBControllerNoLeader', series: ['unrelated 1+0x10'], fires: ['{} 0'] }],
  ['no controller leader: quiet with one leader', {
    alert: 'L2LBControllerNoLeader',
    series: [`l2lb_controller_leader{namespace="${NS}",pod="c1"} 1+0x10`, `l2lb_controller_leader{namespace="${NS}",pod="c2"} 0+0x10`],
    fires: [],
  }],
  ['config invalid: the replica serving a stale configuration', {
    alert: 'L2LBConfigInvalid',
    series: [`metallb_k8s_client_config_stale_bool{namespace="${NS}",pod="c1"} 1+0x10`, `metallb_k8s_client_config_stale_bool{namespace="${NS}",pod="c2"} 0+0x10`],
    fires: ['{pod="c1"} 1'],
  }],
  ['config not loaded', {
    alert: 'L2LBConfigNotLoaded',
    series: [`metallb_k8s_client_config_loaded_bool{namespace="${NS}",pod="c1"} 0+0x10`, `metallb_k8s_client_config_loaded_bool{namespace="${NS}",pod="c2"} 1+0x10`],
    fires: ['{pod="c1"} 0'],
  }],
];

describe('alerts on synthetic series (Prometheus engine)', () => {
  it('covers every alert of the rule', () => {
    expect(new Set(cases.map(([, c]) => c.alert))).toEqual(new Set(ruleExprs().map((r) => r.alert)));
  });

  it.each(cases)('%s', (name, c) => {
    const rule = ruleExprs().filter((r) => r.alert === c.alert)[c.index ?? 0];
    if (!rule) throw new Error(`no rule ${c.alert}[${c.index ?? 0}]`);
    const file = `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.test`;
    const dir = mkdtempSync(join(tmp, 'case-'));
    writeFileSync(join(dir, file), [
      'load 1m', ...c.series.map((s) => `  ${s}`), '',
      `eval instant at 5m ${oneLine(rule.expr)}`, ...c.fires.map((f) => `  ${f}`), '',
    ].join('\n'));
    const r = spawnSync(evaluate, ['-test.run', 'TestScripts'], { encoding: 'utf8', env: { ...process.env, PROMQL_SCRIPTS: dir } });
    const errors = r.stdout.split('\n').filter((l) => /Error:|error in eval|unexpected|expected/.test(l)).map((l) => l.trim());
    expect({ code: r.status, errors }).toEqual({ code: 0, errors: [] });
  });
});
