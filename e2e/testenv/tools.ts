// Where the Go-built binaries are. tools/build.sh owns the cache layout (it prints NAME=PATH
// lines); environment variables of the same names override it, e.g. to try another build.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ToolPaths {
  readonly KUBE_APISERVER: string;
  readonly KUBE_CONTROLLER_MANAGER: string;
  readonly ETCD: string;
}

export class ToolsMissingError extends Error {
  override readonly name = 'ToolsMissingError';
}

/** The repository root: the nearest ancestor holding e2e/testenv/tools/build.sh (works from dist/ too). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'e2e/testenv/tools/build.sh'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) throw new ToolsMissingError('cannot find the repository root (e2e/testenv/tools/build.sh)');
    dir = up;
  }
}

export function parseToolLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.+)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export function findTools(): ToolPaths {
  const printed = parseToolLines(execFileSync('bash', [join(repoRoot(), 'e2e/testenv/tools/build.sh'), '--print'], { encoding: 'utf8' }));
  const pick = (name: keyof ToolPaths): string => {
    const path = process.env[name] ?? printed.get(name);
    if (!path || !existsSync(path)) {
      throw new ToolsMissingError(`${name} not found${path ? ` at ${path}` : ''}: run \`make setup\` (builds the Go test tools)`);
    }
    return path;
  };
  return { KUBE_APISERVER: pick('KUBE_APISERVER'), KUBE_CONTROLLER_MANAGER: pick('KUBE_CONTROLLER_MANAGER'), ETCD: pick('ETCD') };
}
