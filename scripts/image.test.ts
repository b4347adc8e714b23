// scripts/image.sh (`make image`): builds with a builder that answers, leaves a docker-archive and
// prints its path, image ID and size, reuses the cached archive while the sources are unchanged,
// and where no builder works says why and what to run elsewhere, exiting 3 instead of pretending
// to have built an image. The builders here are stand-ins on PATH that record how they were
// called; `save` writes a small but well-formed docker-archive.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../e2e/testenv/tools.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'l2lb-image-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = '{"architecture":"amd64","os":"linux","config":{"User":"65532:65532"}}';
const LAYER_BYTES = 10240;

/** A fake builder: `info` exits with infoCode; `save --output F REF` writes an archive; all calls are logged. */
function fakeBuilder(name: string, infoCode: number): void {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh
if [ "$1" = info ]; then
  [ ${infoCode} = 0 ] || echo "Cannot connect to the ${name} daemon" >&2
  exit ${infoCode}
fi
echo "$PWD $*" >> "${join(dir, `${name}.log`)}"
if [ "$1" = save ]; then
  a=$(mktemp -d)
  printf '%s' '${CONFIG}' > "$a/cfg.json"
  head -c ${LAYER_BYTES} /dev/zero > "$a/layer.tar"
  printf '[{"Config":"cfg.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$4" > "$a/manifest.json"
  tar -C "$a" -cf "$3" manifest.json cfg.json layer.tar
  rm -rf "$a"
fi
`);
  chmodSync(path, 0o755);
}

function run(env: Record<string, string>) {
  const r = spawnSync('bash', [join(repoRoot(), 'scripts/image.sh')], {
    encoding: 'utf8',
    env: { PATH: `${dir}:/usr/bin:/bin`, L2LB_CACHE: join(dir, 'cache'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const line = (out: string, key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(out)?.[1];
const version = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;

it('builds with the first builder whose daemon answers, from the repository root, and saves an archive', () => {
  fakeBuilder('docker', 1);
  fakeBuilder('podman', 0);
  const r = run({ IMAGE_BUILDERS: 'docker podman' });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`building ghcr.io/l2lb/l2lb:${version} with podman`);
  const log = readFileSync(join(dir, 'podman.log'), 'utf8').split('\n');
  expect(log[0]).toBe(`${repoRoot()} build --tag ghcr.io/l2lb/l2lb:${version} --file Dockerfile .`);
  expect(log[1]).toMatch(new RegExp(`^${repoRoot()} save --output \\S+\\.tar\\.tmp ghcr\\.io/l2lb/l2lb:${version}$`));
  const archive = line(r.stdout, 'IMAGE_ARCHIVE')!;
  expect(archive.startsWith(join(dir, 'cache/images/'))).toBe(true);
  expect(existsSync(archive)).toBe(true);
  expect(line(r.stdout, 'IMAGE_REF')).toBe(`ghcr.io/l2lb/l2lb:${version}`);
  expect(line(r.stdout, 'IMAGE_ID')).toBe(`sha256:${createHash('sha256').update(CONFIG).digest('hex')}`);
  expect(line(r.stdout, 'IMAGE_SIZE_BYTES')).toBe(String(LAYER_BYTES));
});

it('prints the cached archive without building again while the sources are unchanged', () => {
  fakeBuilder('docker', 0);
  const first = run({ IMAGE_BUILDERS: 'docker' });
  const second = run({ IMAGE_BUILDERS: 'docker' });
  expect(second.code).toBe(0);
  expect(line(second.stdout, 'IMAGE_ARCHIVE')).toBe(line(first.stdout, 'IMAGE_ARCHIVE'));
  expect(readFileSync(join(dir, 'docker.log'), 'utf8').split('\n').filter((l) => l.includes(' build ')).length).toBe(1);
});

it('honours IMAGE and TAG', () => {
  fakeBuilder('docker', 0);
  const r = run({ IMAGE_BUILDERS: 'docker', IMAGE: 'registry.example.com/l2lb', TAG: 'dev' });
  expect(r.code).toBe(0);
  expect(readFileSync(join(dir, 'docker.log'), 'utf8')).toContain('build --tag registry.example.com/l2lb:dev --file Dockerfile .');
  expect(line(r.stdout, 'IMAGE_REF')).toBe('registry.example.com/l2lb:dev');
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
