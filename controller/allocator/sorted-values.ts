// A sorted set of bigint addresses: the allocator's whole memory of which addresses are taken, so
// memory grows with allocations, never with pool size. A flat sorted array beats a tree at the sizes
// that matter (10^4..10^5): binary search is cache-friendly and splice is a memmove.
export class SortedValues {
  private readonly v: bigint[] = [];

  get size(): number {
    return this.v.length;
  }

  at(i: number): bigint {
    return this.v[i]!;
  }

  /** First index i with v[i] >= x. */
  lowerBound(x: bigint): number {
    let lo = 0;
    let hi = this.v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.v[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index i with v[i] > x. */
  upperBound(x: bigint): number {
    let lo = 0;
    let hi = this.v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.v[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(x: bigint): boolean {
    const i = this.lowerBound(x);
    return i < this.v.length && this.v[i] === x;
  }

  add(x: bigint): boolean {
    const i = this.lowerBound(x);
    if (i < this.v.length && this.v[i] === x) return false;
    if (i === this.v.length) this.v.push(x);
    else this.v.splice(i, 0, x);
    return true;
  }

  delete(x: bigint): boolean {
    const i = this.lowerBound(x);
    if (i >= this.v.length || this.v[i] !== x) return false;
    this.v.splice(i, 1);
    return true;
  }

  /** How many values lie in [lo, hi]. */
  countIn(lo: bigint, hi: bigint): number {
    return hi < lo ? 0 : this.upperBound(hi) - this.lowerBound(lo);
  }
}
