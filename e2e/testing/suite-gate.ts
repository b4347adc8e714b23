// Whether a suite can run here, and what to do when it cannot. Lab suites need root (network
// namespaces, raw sockets) and some need the build (programs run from dist/, the AF_PACKET addon).
// On a developer's machine a suite that cannot run is skipped; under CI=true it fails with the
// reason, so losing root or the build in CI turns the run red instead of quietly green.
import { describe, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../lab/repo-root.js';

export interface SuiteNeeds {
  /** Root (uid 0): network namespaces, AF_PACKET sockets. */
  readonly root?: boolean;
  /** Repository-relative files the build makes (e.g. dist/speaker/main.js). */
  readonly built?: readonly string[];
}

/** The build outputs suites most often need, named once. */
export const BUILT = {
  programs: 'dist/speaker/main.js',
  announce: 'dist/speaker/announce/main.js',
  flood: 'dist/e2e/bench/flood.js',
  addon: 'speaker/native/build/Release/l2lb_packet.node',
} as const;

export interface Circumstances {
  readonly uid: number | undefined;
  readonly ci: boolean;
  readonly exists: (repoRelative: string) => boolean;
}

export type Verdict = { readonly kind: 'run' } | { readonly kind: 'skip' | 'fail'; readonly reasons: readonly string[] };

/** Pure: what a suite with these needs does in these circumstances. */
export function suiteVerdict(needs: SuiteNeeds, here: Circumstances): Verdict {
  const reasons: string[] = [];
  if (needs.root && here.uid !== 0) reasons.push(`needs root (running as uid ${here.uid ?? 'unknown'})`);
  const missing = (needs.built ?? []).filter((f) => !here.exists(f));
  if (missing.length > 0) reasons.push(`needs the build (missing ${missing.join(', ')}: run \`make build\`)`);
  if (reasons.length === 0) return { kind: 'run' };
  return { kind: here.ci ? 'fail' : 'skip', reasons };
}

export function circumstances(): Circumstances {
  const root = repoRoot();
  return { uid: process.getuid?.(), ci: process.env['CI'] === 'true', exists: (f) => existsSync(join(root, f)) };
}

type Describe = (name: string, fn: () => void) => void;

/**
 * `describe` when the suite can run; `describe.skip` when it cannot and CI is not "true"; under
 * CI=true a describe holding one test that fails with the reasons.
 */
export function describeIf(needs: SuiteNeeds, here: Circumstances = circumstances()): Describe {
  const v = suiteVerdict(needs, here);
  if (v.kind === 'run') return describe;
  if (v.kind === 'skip') return describe.skip;
  return (name) =>
    describe(name, () => {
      test('can run here', () => {
        throw new Error(`this suite cannot run: ${v.reasons.join('; ')}. CI=true, so that is a failure, not a skip.`);
      });
    });
}
