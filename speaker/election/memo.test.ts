import { memoize } from './memo.js';

describe('memoize', () => {
  it('computes once per key and stays correct after clearing when full', () => {
    let calls = 0;
    const f = memoize((k) => {
      calls++;
      return k.length;
    }, 2);
    expect([f('a'), f('a'), f('bb')]).toEqual([1, 1, 2]);
    expect(calls).toBe(2);
    expect(f('ccc')).toBe(3); // full: cleared, then stored
    expect(f('a')).toBe(1);
    expect(calls).toBe(4);
  });
});
