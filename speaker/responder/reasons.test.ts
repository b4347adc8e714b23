import { readFileSync } from 'node:fs';
import { ALL_DROP_REASONS } from './reasons.js';

describe('drop reasons', () => {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const documented = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);

  test('README.md documents exactly the reasons the code can produce', () => {
    expect([...documented].sort()).toEqual([...ALL_DROP_REASONS].sort());
  });
});
