// Runs TypeScript inside a lab namespace. A program there is a child process (`ip netns exec`),
// and Node 20 cannot run .ts, while the tests must exercise the current sources, not a possibly
// stale dist/. So: transpile an entry file and every module it imports by relative path into a
// temporary mirror of the repository (same relative paths, so path logic holds), with
// node_modules and native build outputs linked in. Type checking stays `make build`'s job.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './repo-root.js';

export interface TranspiledProgram {
  /** Absolute path of the entry's .js file, for `node <path>`. */
  readonly entry: string;
  readonly dir: string;
  cleanup(): void;
}

// Directories linked into the mirror: dependencies and native build outputs.
const LINKED = ['node_modules', 'speaker/native/build'];
const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

export function transpileForNamespace(entryRel: string): TranspiledProgram {
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'l2lb-ts-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
  for (const rel of LINKED) {
    if (!existsSync(join(root, rel))) continue;
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    symlinkSync(join(root, rel), join(dir, rel));
  }
  const seen = new Set<string>();
  const queue = [resolve(root, entryRel)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, isolatedModules: true },
    }).outputText;
    const target = join(dir, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out);
    for (const m of source.matchAll(IMPORT)) {
      const spec = m[1]!;
      const dep = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(dep)) queue.push(dep);
      else if (spec.endsWith('.mjs') || spec.endsWith('.js')) {
        // A plain JavaScript module next to the sources: copy as is.
        const js = resolve(dirname(file), spec);
        if (existsSync(js)) {
          const t = join(dir, relative(root, js));
          mkdirSync(dirname(t), { recursive: true });
          writeFileSync(t, readFileSync(js));
        }
      }
    }
  }
  return {
    entry: join(dir, entryRel).replace(/\.ts$/, '.js'),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
