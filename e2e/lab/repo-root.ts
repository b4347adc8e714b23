// The repository root, found from this file's location, so the same code works from the
// TypeScript sources (ts-jest) and from dist/ (e2e/lab/x.ts vs dist/e2e/lab/x.js).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json) not found');
    dir = up;
  }
  return dir;
}

export function repoPath(rel: string): string {
  return join(repoRoot(), rel);
}
