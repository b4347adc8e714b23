// Status writes whose outcome is unknown. A write that timed out, was cut off or got a 5xx may have
// been applied: until the watch shows what the server holds, the addresses it carried stay
// reserved for that Service (Allocator.reserve), so no other Service is given them meanwhile.
// Every status write is conditional on the resourceVersion it was decided from, so the first
// version of the Service the watch delivers after that one settles it: either it is our write, or
// our write can no longer apply (409). A deleted Service settles it too.
export class InDoubtWrites {
  /** Service key -> the resourceVersion the doubtful write was conditional on. */
  private readonly writes = new Map<string, string>();

  record(key: string, sentResourceVersion: string): void {
    this.writes.set(key, sentResourceVersion);
  }

  has(key: string): boolean {
    return this.writes.has(key);
  }

  get size(): number {
    return this.writes.size;
  }

  /**
   * Whether what the cache now holds for `key` (undefined: deleted) settles its doubtful write;
   * a settled write is forgotten.
   */
  settle(key: string, cachedResourceVersion: string | undefined): boolean {
    const sent = this.writes.get(key);
    if (sent === undefined || cachedResourceVersion === sent) return false;
    this.writes.delete(key);
    return true;
  }
}
