// The images real nodes import (no registry is reachable from the build machines): the pod
// sandbox image, built here from pause/pause.c, and l2lb's own image from `make image`
// (scripts/image.sh). Both are docker-archive files, cached under ~/.cache/l2lb/images.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../testenv/tools.js';
import { PAUSE_IMAGE } from './configs.js';

const run = promisify(execFile);

export interface ImageArchive {
  readonly ref: string;
  readonly archive: string;
  /** sha256 of the image config: the image ID, the same in every store. */
  readonly id: string;
  readonly sizeBytes: number;
}

export function imageCacheDir(): string {
  return join(process.env['L2LB_CACHE'] ?? join(homedir(), '.cache/l2lb'), 'images');
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Parses scripts/image.sh's KEY=VALUE output lines. */
export function parseImageLines(text: string): ImageArchive {
  const get = (k: string): string => {
    const m = new RegExp(`^${k}=(.+)$`, 'm').exec(text);
    if (!m?.[1]) throw new Error(`scripts/image.sh printed no ${k}= line`);
    return m[1];
  };
  return { ref: get('IMAGE_REF'), archive: get('IMAGE_ARCHIVE'), id: get('IMAGE_ID'), sizeBytes: Number(get('IMAGE_SIZE_BYTES')) };
}

/** l2lb's image, built (or found in the cache) by scripts/image.sh. */
export async function productImage(tag?: string): Promise<ImageArchive> {
  const env = { ...process.env, ...(tag ? { TAG: tag } : {}) };
  const { stdout } = await run('bash', [join(repoRoot(), 'scripts/image.sh')], { env, maxBuffer: 16 << 20 });
  return parseImageLines(stdout);
}

/** The sandbox image: pause.c compiled static, one layer holding /pause. Cached by source hash. */
export async function pauseImage(): Promise<ImageArchive> {
  const src = join(repoRoot(), 'e2e/realcluster/pause/pause.c');
  const key = sha256(readFileSync(src)).slice(0, 16);
  const dir = imageCacheDir();
  const archive = join(dir, `pause-${key}.tar`);
  if (!existsSync(archive)) {
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(dir, 'pause-build-'));
    try {
      mkdirSync(join(work, 'rootfs'));
      await run('gcc', ['-Os', '-static', '-o', join(work, 'rootfs/pause'), src]);
      await run('strip', [join(work, 'rootfs/pause')]);
      await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', join(work, 'rootfs'), '-cf', join(work, 'layer.tar'), 'pause']);
      await writeDockerArchive(`${archive}.tmp`, PAUSE_IMAGE, { Entrypoint: ['/pause'], User: '65535:65535' }, [join(work, 'layer.tar')], work);
      renameSync(`${archive}.tmp`, archive);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const manifest = JSON.parse((await run('tar', ['-xOf', archive, 'manifest.json'])).stdout) as { Config: string }[];
  const config = (await run('tar', ['-xOf', archive, manifest[0]!.Config], { encoding: 'buffer' })).stdout;
  return { ref: PAUSE_IMAGE, archive, id: `sha256:${sha256(config)}`, sizeBytes: Number(readFileSync(archive).length) };
}

/** A docker-archive (`docker save` layout) of one image from uncompressed layer tars. */
async function writeDockerArchive(out: string, ref: string, config: Record<string, unknown>, layers: readonly string[], work: string): Promise<void> {
  const dir = join(work, 'archive');
  mkdirSync(dir);
  const diffIds: string[] = [];
  const files: string[] = [];
  for (const layer of layers) {
    const digest = sha256(readFileSync(layer));
    mkdirSync(join(dir, digest));
    writeFileSync(join(dir, digest, 'layer.tar'), readFileSync(layer));
    diffIds.push(`sha256:${digest}`);
    files.push(`${digest}/layer.tar`);
  }
  const configText = JSON.stringify({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: diffIds } });
  const configName = `${sha256(configText)}.json`;
  writeFileSync(join(dir, configName), configText);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [ref], Layers: files }]));
  // Entries named without a leading ./ (as `docker save` writes them).
  await run('tar', ['-C', dir, '-cf', out, 'manifest.json', configName, ...files]);
}
