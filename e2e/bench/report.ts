// Every benchmark writes its figures as .l2lb/bench/<name>.json; `make bench` then renders
// .l2lb/bench/summary.md from all of them. Figures are medians/percentiles measured in one run.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target from the issue, if any, e.g. "<= 20 ms". Reported, never asserted. */
  readonly target?: string;
}

export interface BenchReport {
  readonly benchmark: string;
  readonly startedAt: string;
  readonly figures: BenchFigure[];
  readonly notes: string[];
}

export const benchDir = (root = process.cwd()): string => join(root, '.l2lb', 'bench');

export function writeBenchReport(report: BenchReport, root = process.cwd()): string {
  const dir = benchDir(root);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.benchmark}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function renderSummary(root = process.cwd()): string {
  const dir = benchDir(root);
  const reports = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchReport);
  const lines = ['# l2lb benchmarks', ''];
  for (const r of reports) {
    lines.push(`## ${r.benchmark} (${r.startedAt})`, '', '| figure | value | unit | target |', '|---|---|---|---|');
    // A figure without samples is NaN, stored in JSON as null.
    const shown = (v: number | null): string => (typeof v !== 'number' || !Number.isFinite(v) ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(4));
    for (const f of r.figures) lines.push(`| ${f.name} | ${shown(f.value)} | ${f.unit} | ${f.target ?? ''} |`);
    for (const n of r.notes) lines.push('', `- ${n}`);
    lines.push('');
  }
  const text = lines.join('\n');
  writeFileSync(join(dir, 'summary.md'), text);
  return text;
}
