import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileToken } from './token.js';

describe('FileToken', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'l2lb-token-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('re-reads the file once the refresh period has passed, not before', async () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'first\n');
    let now = 0;
    const t = new FileToken(path, 60_000, () => now);
    expect(await t.token()).toBe('first');
    writeFileSync(path, 'second');
    now = 59_999;
    expect(await t.token()).toBe('first');
    now = 60_000;
    expect(await t.token()).toBe('second');
  });

  it('keeps the last good token when a re-read fails, fails when there never was one', async () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'good');
    let now = 0;
    const t = new FileToken(path, 1000, () => now);
    expect(await t.token()).toBe('good');
    rmSync(path);
    now = 5000;
    expect(await t.token()).toBe('good');
    await expect(new FileToken(join(dir, 'missing')).token()).rejects.toThrow('ENOENT');
    writeFileSync(join(dir, 'empty'), ' \n');
    await expect(new FileToken(join(dir, 'empty')).token()).rejects.toThrow('is empty');
  });
});
