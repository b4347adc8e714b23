// Starts one control plane for the whole integration suite (jest project `integration`).
// The handle stays on globalThis for jest-global-teardown.ts (same process); tests find it through
// the file named by L2LB_TESTENV_FILE (see jest-info.ts).
//
// Jest loads this file outside its module system, so a relative `.js` import would be resolved by
// Node against .ts sources and fail. The testenv code is therefore loaded from tsc's output in
// dist/, compiled first if it is missing or older than its sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ControlPlane } from './control-plane.js';

declare global {
  var __L2LB_TESTENV__: ControlPlane | undefined;
}

type ControlPlaneModule = typeof import('./control-plane.js');
type JestInfoModule = typeof import('./jest-info.js');

function distIsStale(root: string): boolean {
  const src = join(root, 'e2e/testenv');
  for (const f of readdirSync(src)) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const out = join(root, 'dist/e2e/testenv', f.replace(/\.ts$/, '.js'));
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(src, f)).mtimeMs) return true;
  }
  return false;
}

async function load<T>(root: string, rel: string): Promise<T> {
  return (await import(pathToFileURL(join(root, 'dist/e2e/testenv', rel)).href)) as T;
}

export default async function globalSetup(_global: unknown, project: { rootDir: string }): Promise<void> {
  const root = project.rootDir;
  if (distIsStale(root)) {
    process.stderr.write('testenv: compiling (tsc) ...\n');
    // Type errors elsewhere in the tree are `make build`'s business; tsc still emits.
    spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'ignore' });
  }
  const { startControlPlane } = await load<ControlPlaneModule>(root, 'control-plane.js');
  const { TESTENV_FILE_ENV, writeTestenvInfo } = await load<JestInfoModule>(root, 'jest-info.js');
  const verbose = process.env['L2LB_TESTENV_VERBOSE'];
  const cp = await startControlPlane({ log: verbose ? (l) => process.stderr.write(`${l}\n`) : undefined });
  globalThis.__L2LB_TESTENV__ = cp;
  process.env[TESTENV_FILE_ENV] = await writeTestenvInfo(cp);
  process.stderr.write(`\ntestenv: control plane ready in ${cp.startMs} ms at ${cp.server} (logs in ${cp.dir})\n`);
}
