// The programs must not load @kubernetes/client-node at runtime: importing it costs ~70 MB of RSS
// (its generated API and serializer), most of the speaker's budget. Nor prom-client's index (it
// loads @opentelemetry/api; shared/metrics/prom.ts loads the metric classes without it). Type-only imports are fine,
// and tsc erases them, so the check walks the emitted JavaScript: every module reachable from
// each program's main.js through relative import/export specifiers, and the packages they name.
// Those must be runtime dependencies: the image keeps no devDependencies (npm prune --omit=dev).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FORBIDDEN = ['@kubernetes/client-node', 'prom-client'];
/** Started as threads (new Worker(url)), not imported: walked as entries of their own. */
const THREAD_ENTRIES: Record<string, string[]> = { speaker: ['speaker/membership/thread-worker.js'], controller: [] };

/** Static `import ... from`, `export ... from`, bare `import '...'` and literal dynamic `import('...')`. */
export function specifiers(js: string): string[] {
  const found: string[] = [];
  const patterns = [/(?:^|[;\s])(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g, /(?:^|[;\s])import\s*(['"])([^'"]+)\1/g, /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g];
  for (const p of patterns) for (const m of js.matchAll(p)) found.push(m[2]!);
  return found;
}

/** Modules reachable from `entry` (absolute .js path), and the bare (package) specifiers each imports. */
export function importGraph(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (packages.has(file)) continue;
    const bare: string[] = [];
    packages.set(file, bare);
    for (const s of specifiers(readFileSync(file, 'utf8'))) {
      if (s.startsWith('.')) todo.push(resolve(dirname(file), s));
      else bare.push(s);
    }
  }
  return packages;
}

/** Compiles first when a program source is newer than its output (as the integration setup does). */
function ensureBuilt(): void {
  const stale = (dir: string): boolean =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).some((f) => {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) return false;
      const out = join(root, 'dist', dir, f.replace(/\.ts$/, '.js'));
      return !existsSync(out) || statSync(out).mtimeMs < statSync(join(root, dir, f)).mtimeMs;
    });
  if (['shared', 'controller', 'speaker'].some(stale)) {
    spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'ignore' });
  }
}

describe('specifiers', () => {
  it('finds every kind of runtime import in emitted JS', () => {
    const js = [
      "import { a } from './a.js';",
      'import {\n  b,\n  c,\n} from "../b.js";',
      "export { d } from './d.js';",
      "export * from './e.js';",
      "import './side-effect.js';",
      "const m = await import('node:fs');",
      "import x, * as y from 'pkg';",
      "const s = 'not an import from here';",
    ].join('\n');
    expect(specifiers(js).sort()).toEqual(['../b.js', './a.js', './d.js', './e.js', './side-effect.js', 'node:fs', 'pkg'].sort());
  });
});

describe('the programs at runtime', () => {
  beforeAll(ensureBuilt, 120_000);

  it.each(['speaker', 'controller'])('%s imports neither @kubernetes/client-node nor prom-client\'s index', (program) => {
    const graph = new Map([join(program, 'main.js'), ...THREAD_ENTRIES[program]!].flatMap((entry) => [...importGraph(join(root, 'dist', entry))]));
    // A walker that followed nothing would pass vacuously.
    expect(graph.size).toBeGreaterThan(20);
    expect(graph.has(join(root, 'dist/shared/k8s/informer.js'))).toBe(true);
    const offenders = [...graph].filter(([, bare]) => bare.some((s) => FORBIDDEN.some((f) => s === f || s.startsWith(`${f}/`)))).map(([file]) => relative(root, file));
    expect(offenders).toEqual([]);
  });

  it.each(['speaker', 'controller'])('%s imports only node built-ins and packages of "dependencies" (the image prunes the rest)', (program) => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const runtime = Object.keys(pkg.dependencies);
    const graph = new Map([join(program, 'main.js'), ...THREAD_ENTRIES[program]!].flatMap((entry) => [...importGraph(join(root, 'dist', entry))]));
    const outside = [...graph].flatMap(([file, bare]) => bare.filter((s) => !s.startsWith('node:') && !runtime.some((d) => s === d || s.startsWith(`${d}/`))).map((s) => `${relative(root, file)}: ${s}`));
    expect(outside).toEqual([]);
  });
});
