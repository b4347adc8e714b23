import { suiteVerdict, type Circumstances, type SuiteNeeds, type Verdict } from './suite-gate.js';

const built = (...files: string[]) => (f: string) => files.includes(f);

describe('suiteVerdict', () => {
  test.each<[string, SuiteNeeds, Circumstances, Verdict]>([
    ['root, as root', { root: true }, { uid: 0, ci: true, exists: built() }, { kind: 'run' }],
    ['root, as a user, not CI', { root: true }, { uid: 1000, ci: false, exists: built() }, { kind: 'skip', reasons: ['needs root (running as uid 1000)'] }],
    ['root, as a user, CI', { root: true }, { uid: 65534, ci: true, exists: built() }, { kind: 'fail', reasons: ['needs root (running as uid 65534)'] }],
    ['build present', { built: ['dist/a.js'] }, { uid: 1000, ci: true, exists: built('dist/a.js') }, { kind: 'run' }],
    ['build missing, CI', { built: ['dist/a.js', 'dist/b.js'] }, { uid: 0, ci: true, exists: built('dist/a.js') }, { kind: 'fail', reasons: ['needs the build (missing dist/b.js: run `make build`)'] }],
    [
      'both missing, not CI',
      { root: true, built: ['dist/a.js'] },
      { uid: undefined, ci: false, exists: built() },
      { kind: 'skip', reasons: ['needs root (running as uid unknown)', 'needs the build (missing dist/a.js: run `make build`)'] },
    ],
    ['needs nothing', {}, { uid: 1000, ci: false, exists: built() }, { kind: 'run' }],
  ])('%s', (_name, needs, here, want) => {
    expect(suiteVerdict(needs, here)).toEqual(want);
  });
});
