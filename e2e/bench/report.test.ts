import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, renderSummary, writeBenchReport } from './report.js';

describe('bench report', () => {
  it.each([
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 99, 4],
    [[5], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
  ])('percentile(%j, %d) = %d', (xs, p, want) => expect(percentile(xs, p)).toBe(want));

  it('writes JSON per benchmark and a Markdown summary of all', () => {
    const root = mkdtempSync(join(tmpdir(), 'l2lb-bench-'));
    try {
      writeBenchReport({ benchmark: 'b', startedAt: 't', figures: [{ name: 'x', value: 1.5, unit: 'ms', target: '<= 2 ms' }], notes: ['n'] }, root);
      writeBenchReport({ benchmark: 'a', startedAt: 't', figures: [{ name: 'y', value: 3, unit: 'ops/s' }], notes: [] }, root);
      const md = renderSummary(root);
      expect(md.indexOf('## a')).toBeLessThan(md.indexOf('## b'));
      expect(md).toContain('| x | 1.500 | ms | <= 2 ms |');
      expect(readFileSync(join(root, '.l2lb/bench/summary.md'), 'utf8')).toBe(md);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
