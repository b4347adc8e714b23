// AliveSet: the expected names but the down ones, a snapshot that later changes do not reach.
import { AliveSet } from './alive-set.js';

describe('AliveSet', () => {
  const names = ['a', 'b', 'c', 'd'];
  const expected = new Map(names.map((n) => [n, true]));

  it.each([
    [[], ['a', 'b', 'c', 'd']],
    [['b'], ['a', 'c', 'd']],
    [['a', 'd', 'x'], ['b', 'c']], // a down name that is not expected changes nothing
    [['a', 'b', 'c', 'd'], []],
  ])('down %j: alive %j, in list order, with has() and size agreeing', (down, alive) => {
    const s = new AliveSet(names, expected, new Set(down));
    expect([...s]).toEqual(alive);
    expect([...s.keys()]).toEqual(alive);
    expect([...s.entries()]).toEqual(alive.map((n) => [n, n]));
    expect(s.size).toBe(alive.length);
    for (const n of [...names, 'x']) expect(s.has(n)).toBe(alive.includes(n));
    const seen: string[] = [];
    s.forEach((v, k, set) => {
      expect(set).toBe(s);
      expect(k).toBe(v);
      seen.push(v);
    });
    expect(seen).toEqual(alive);
  });

  it('is a snapshot: the down set it was made from may change afterwards', () => {
    const down = new Set(['b']);
    const s = new AliveSet(names, expected, down);
    down.add('c');
    down.delete('b');
    expect([...s]).toEqual(['a', 'c', 'd']);
  });
});
