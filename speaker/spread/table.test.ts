import fc from 'fast-check';
import { BUCKETS, bucketShares, describeShares, spreadTable } from './table.js';

// Printed so a failing run can be replayed with L2LB_PROPERTY_SEED.
const seed = Number(process.env['L2LB_PROPERTY_SEED'] ?? Date.now() % 2 ** 31);
beforeAll(() => process.stdout.write(`spread table properties: seed ${seed}\n`));

const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const nodeSets = fc.uniqueArray(nodeName, { minLength: 1, maxLength: 12 });

describe('spreadTable', () => {
  it.each([
    ['no nodes', [], 0],
    ['one node', ['a'], BUCKETS],
  ])('%s', (_what, nodes, filled) => {
    const t = spreadTable(nodes);
    expect(t).toHaveLength(filled);
    expect(new Set(t)).toEqual(new Set(nodes));
  });

  it('does not depend on the order or repetition of the names', () => {
    expect(spreadTable(['c', 'a', 'b', 'a'])).toEqual(spreadTable(['a', 'b', 'c']));
  });

  it('gives three nodes roughly a third each', () => {
    const shares = bucketShares(spreadTable(['node-1', 'node-2', 'node-3']));
    expect([...shares.keys()]).toEqual(['node-1', 'node-2', 'node-3']);
    for (const c of shares.values()) expect(Math.abs(c - BUCKETS / 3)).toBeLessThan(BUCKETS / 6);
  });

  it('describes the shares in name order', () => {
    expect(describeShares(['b', 'a', 'b'])).toBe('a=1 b=2');
  });

  it('property: when a node leaves, only its buckets move', () => {
    fc.assert(
      fc.property(nodeSets, fc.nat(), (nodes, pick) => {
        const gone = nodes[pick % nodes.length]!;
        const before = spreadTable(nodes);
        const after = spreadTable(nodes.filter((n) => n !== gone));
        for (let b = 0; b < before.length; b++) {
          if (before[b] !== gone) expect(after[b]).toBe(before[b]);
          else expect(after[b]).not.toBe(gone);
        }
      }),
      { seed, numRuns: 60 },
    );
  });

  it('property: when a node joins, buckets move only to it', () => {
    fc.assert(
      fc.property(nodeSets, nodeName, (nodes, extra) => {
        fc.pre(!nodes.includes(extra));
        const before = spreadTable(nodes);
        const after = spreadTable([...nodes, extra]);
        for (let b = 0; b < before.length; b++) if (after[b] !== before[b]) expect(after[b]).toBe(extra);
      }),
      { seed, numRuns: 60 },
    );
  });

  it('property: every node of the set gets at least one bucket, and nothing else does', () => {
    fc.assert(
      fc.property(nodeSets, (nodes) => {
        expect(new Set(spreadTable(nodes))).toEqual(new Set(nodes));
      }),
      { seed, numRuns: 60 },
    );
  });
});
