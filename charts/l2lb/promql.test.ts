// Every PromQL expression the chart ships (alert rules, dashboard panels) parses with
// Prometheus' own parser (tools/build-promql-check.sh), so a typo fails here rather than as a
// rule Prometheus refuses to load or a panel that stays empty.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allOnValues, chartDir, only, render } from './render.js';

let checker: string;
beforeAll(() => {
  checker = execFileSync('bash', [join(chartDir(), 'tools/build-promql-check.sh')], { encoding: 'utf8', timeout: 540_000 }).trim();
}, 600_000);

/** Expressions that fail to parse, with the parser's message; empty when all parse. */
function rejected(exprs: readonly string[]): string[] {
  const input = exprs.map((e) => e.replace(/\s+/g, ' ').trim()).join('\n');
  const r = spawnSync(checker, [], { input: `${input}\n`, encoding: 'utf8' });
  if (r.status !== 0 && r.stdout === '') throw new Error(`promql-check failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
}

function ruleExprs(): Rule[] {
  const rule = only(render({ valuesFiles: [allOnValues()] }), 'PrometheusRule');
  return (rule['spec'] as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
}

it('the checker rejects bad PromQL (so a pass below means something)', () => {
  expect(rejected(['sum(rate(x[5m]) by (a)', 'up == 1'])).toEqual([expect.stringContaining('sum(rate(x[5m]) by (a)\t')]);
});

it('every alert expression parses', () => {
  const rules = ruleExprs();
  expect(rules.length).toBeGreaterThanOrEqual(9);
  expect(rejected(rules.map((r) => r.expr))).toEqual([]);
});

it('every dashboard query parses (Grafana variables replaced as Grafana would)', () => {
  const dash = JSON.parse(readFileSync(join(chartDir(), 'dashboards/l2lb.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  const exprs = dash.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$namespace', 'metallb-system'));
  expect(exprs.length).toBeGreaterThanOrEqual(10);
  expect(rejected(exprs)).toEqual([]);
});
