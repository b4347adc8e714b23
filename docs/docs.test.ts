// The operator docs stay true to the code: every flag and every registered metric is documented
// (and nothing documented is gone), every metric the alerts and the dashboard use is documented,
// and every relative link and anchor resolves.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../e2e/testenv/tools.js';
import { anchors, codeBlocks, markdownFiles, relativeLinks } from './markdown.js';

const root = repoRoot();
const docs = join(root, 'docs');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

function helpFlags(program: string): string[] {
  const main = join(root, 'dist', program === 'l2lb-controller' ? 'controller' : 'speaker', 'main.js');
  if (!existsSync(main)) throw new Error('dist/ is missing: run `make build` (npx tsc -p tsconfig.json) first');
  // The bin scripts as an operator runs them (the speaker's is a shell script carrying V8 flags).
  const r = spawnSync(join(root, 'bin', program), ['--help'], { encoding: 'utf8', env: { ...process.env, L2LB_NODE: process.execPath } });
  expect(r.status).toBe(0);
  return [...r.stdout.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((m) => m[1]!).filter((f) => f !== 'help');
}

/** The section of flags.md for one program: from its heading to the next. */
function documentedFlags(program: string): string[] {
  const text = read('docs/reference/flags.md');
  const start = text.indexOf(`## ${program}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `--([a-z0-9-]+)`/gm)].map((m) => m[1]!);
}

describe('docs/reference/flags.md', () => {
  it.each(['l2lb-controller', 'l2lb-speaker', 'l2lb-announce'])('lists exactly the flags of %s --help', (program) => {
    expect(documentedFlags(program).sort()).toEqual(helpFlags(program).sort());
  });
});

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'build') continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Metric names registered in the programs' sources (prom-client `name: '...'`). */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['shared', 'controller', 'speaker']) {
    for (const file of sourceFiles(join(root, dir))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/name: '((?:metallb|l2lb)_[a-z0-9_]+)'/g)) names.add(m[1]!);
    }
  }
  return names;
}

const documentedMetrics = (): Set<string> =>
  new Set([...read('docs/reference/metrics.md').matchAll(/^\| `((?:metallb|l2lb)_[a-z0-9_]+)`/gm)].map((m) => m[1]!));

/** Metric names used in PromQL text, without the histogram suffixes. */
const usedIn = (text: string): Set<string> =>
  new Set([...text.matchAll(/\b((?:metallb|l2lb)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')));

describe('docs/reference/metrics.md', () => {
  it('documents every metric the programs register', () => {
    const missing = [...registeredMetrics()].filter((n) => !documentedMetrics().has(n));
    expect(missing).toEqual([]);
  });

  it('documents every metric the alerts and the dashboard query', () => {
    const rule = read('charts/l2lb/templates/prometheusrule.yaml');
    const dashboard = read('charts/l2lb/dashboards/l2lb.json');
    const used = new Set([...usedIn(rule), ...usedIn(dashboard)]);
    expect([...used].filter((n) => !documentedMetrics().has(n))).toEqual([]);
  });

  it('lists every alert of the PrometheusRule template', () => {
    const alerts = new Set([...read('charts/l2lb/templates/prometheusrule.yaml').matchAll(/- alert: (\w+)/g)].map((m) => m[1]!));
    const table = read('docs/reference/metrics.md');
    expect([...alerts].filter((a) => !table.includes(`| \`${a}\``))).toEqual([]);
  });
});

describe('links and examples', () => {
  const files = markdownFiles(docs);

  it('finds the operator docs', () => {
    expect(files.map((f) => f.slice(docs.length + 1))).toEqual(expect.arrayContaining([
      'install.md', 'quick-start.md', 'migrating-from-metallb.md', 'troubleshooting.md', 'reference/flags.md', 'reference/metrics.md',
    ]));
  });

  it.each(files.map((f) => [f.slice(root.length + 1), f]))('%s: every relative link and anchor resolves', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const broken: string[] = [];
    for (const link of relativeLinks(text)) {
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? file : resolve(dirname(file), path);
      if (!existsSync(target)) broken.push(`${link}: no such file`);
      else if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it.each(files.map((f) => [f.slice(root.length + 1), f]))('%s: every yaml block parses', (_name, file) => {
    for (const b of codeBlocks(file, root).filter((c) => c.lang === 'yaml')) {
      expect(parseAllDocuments(b.text).flatMap((d) => d.errors.map((e) => e.message))).toEqual([]);
    }
  });
});
