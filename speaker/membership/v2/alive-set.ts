// The alive set an engine hands out: the expected names but the down ones, as an immutable
// snapshot that stores only the down names (few) beside the shared, immutable list. A speaker's
// alive set is most of the cluster, and building it name by name cost O(N) per change (and, in a
// simulation of N speakers that each keep one, O(N^2) memory).
export class AliveSet implements ReadonlySet<string> {
  readonly size: number;
  private readonly down: ReadonlySet<string>;

  /** `expected` must not change afterwards (topologies never do); `down` is copied. */
  constructor(
    private readonly names: readonly string[],
    private readonly expected: ReadonlyMap<string, unknown>,
    down: ReadonlySet<string>,
  ) {
    const own = new Set<string>();
    for (const d of down) if (expected.has(d)) own.add(d);
    this.down = own;
    this.size = names.length - own.size;
  }

  has(name: string): boolean {
    return this.expected.has(name) && !this.down.has(name);
  }

  *values(): SetIterator<string> {
    for (const n of this.names) if (!this.down.has(n)) yield n;
  }

  keys(): SetIterator<string> {
    return this.values();
  }

  *entries(): SetIterator<[string, string]> {
    for (const n of this.values()) yield [n, n];
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  forEach(fn: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const n of this.values()) fn.call(thisArg, n, n, this);
  }
}
