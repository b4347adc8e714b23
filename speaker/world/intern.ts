// One copy of each repeated value. JSON.parse gives every object its own copy of every string
// value: 5,000 Services in one namespace hold 5,000 copies of the namespace, 15,000 endpoints as
// many copies of three node names. The speaker keeps its caches for as long as it runs, so the
// values that repeat (namespaces, node names, enum-like fields, frozen small records) are kept
// once. Bounded: values an attacker or a huge cluster could make unique stop being interned
// when the table is full, which costs memory, never correctness.

export class Interner<T> {
  private readonly table = new Map<string, T>();

  constructor(private readonly maxEntries: number) {}

  /** The kept value for `key`, made by `make` the first time (or every time once the table is full). */
  get(key: string, make: () => T): T {
    const kept = this.table.get(key);
    if (kept !== undefined) return kept;
    const value = make();
    if (this.table.size < this.maxEntries) this.table.set(key, value);
    return value;
  }

  get size(): number {
    return this.table.size;
  }
}

/** Strings that repeat across objects: namespaces, node names, types, pool and interface names. */
export class StringInterner {
  private readonly table: Interner<string>;

  constructor(maxEntries = 16_384) {
    this.table = new Interner<string>(maxEntries);
  }

  intern<S extends string | undefined>(s: S): S {
    return (s === undefined ? s : this.table.get(s, () => s)) as S;
  }

  get size(): number {
    return this.table.size;
  }
}
