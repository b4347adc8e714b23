import { Interner, StringInterner } from './intern.js';

describe('Interner', () => {
  it('returns the first value made for a key, and makes it once', () => {
    const t = new Interner<{ n: number }>(10);
    let made = 0;
    const a = t.get('k', () => ({ n: ++made }));
    const b = t.get('k', () => ({ n: ++made }));
    expect(b).toBe(a);
    expect(made).toBe(1);
  });

  it('stops keeping new keys when full, still answering them', () => {
    const t = new Interner<object>(2);
    const first = t.get('a', () => ({}));
    t.get('b', () => ({}));
    const c1 = t.get('c', () => ({}));
    const c2 = t.get('c', () => ({}));
    expect(c1).not.toBe(c2);
    expect(t.size).toBe(2);
    expect(t.get('a', () => ({}))).toBe(first);
  });
});

describe('StringInterner', () => {
  it.each([['ns1'], [''], ['node-1']])('gives back the same value for %j', (v) => {
    const t = new StringInterner(4);
    expect(t.intern(v)).toBe(v);
    expect(t.intern(`${v}`)).toBe(v);
    expect(t.size).toBe(1);
  });

  it('passes undefined through without keeping it', () => {
    const t = new StringInterner(4);
    expect(t.intern(undefined)).toBeUndefined();
    expect(t.size).toBe(0);
  });
});
