// scripts/image.sh (`make image`): builds with a builder that answers, and where none does it
// says why and what to run elsewhere, exiting 3 instead of pretending to have built an image.
// The builders here are stand-ins on PATH that record how they were called.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../e2e/testenv/tools.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'l2lb-image-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake builder: `info` exits with infoCode, everything else is logged to <name>.log. */
function fakeBuilder(name: string, infoCode: number): void {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh
if [ "$1" = info ]; then
  [ ${infoCode} = 0 ] || echo "Cannot connect to the ${name} daemon" >&2
  exit ${infoCode}
fi
echo "$PWD $*" >> "${join(dir, `${name}.log`)}"
`);
  chmodSync(path, 0o755);
}

function run(env: Record<string, string>) {
  const r = spawnSync('bash', [join(repoRoot(), 'scripts/image.sh')], {
    encoding: 'utf8',
    env: { PATH: `${dir}:/usr/bin:/bin`, ...env },
  });
  return { code: r.status, stderr: r.stderr };
}

const version = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;

it('builds with the first builder whose daemon answers, from the repository root', () => {
  fakeBuilder('docker', 1);
  fakeBuilder('podman', 0);
  const r = run({ IMAGE_BUILDERS: 'docker podman' });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`building ghcr.io/l2lb/l2lb:${version} with podman`);
  expect(readFileSync(join(dir, 'podman.log'), 'utf8')).toBe(`${repoRoot()} build --tag ghcr.io/l2lb/l2lb:${version} --file Dockerfile .\n`);
});

it('honours IMAGE and TAG', () => {
  fakeBuilder('docker', 0);
  expect(run({ IMAGE_BUILDERS: 'docker', IMAGE: 'registry.example.com/l2lb', TAG: 'dev' }).code).toBe(0);
  expect(readFileSync(join(dir, 'docker.log'), 'utf8')).toContain('build --tag registry.example.com/l2lb:dev --file Dockerfile .');
});

it('exits 3 and explains itself when no builder is usable', () => {
  fakeBuilder('docker', 1);
  const r = run({ IMAGE_BUILDERS: 'docker l2lb-no-such-builder' });
  expect(r.code).toBe(3);
  expect(r.stderr).toContain('no container builder is available on this machine, so no image was built');
  expect(r.stderr).toContain('docker: installed, but its daemon does not answer (Cannot connect to the docker daemon)');
  expect(r.stderr).toContain('l2lb-no-such-builder: not installed');
  expect(r.stderr).toContain(`docker build --tag ghcr.io/l2lb/l2lb:${version} --file Dockerfile .`);
});
