// The rule that keeps status writes from fighting the watch cache: never plan from a version of an
// object that we ourselves overwrote. After a write, the informer cache may still show the old
// resourceVersion for a while; a plan made from it would repeat the write (or, worse, fail with a
// 409 and retry in a loop). So each write is remembered with the versions it made stale until the
// cache has moved past them.
import type { StatusOp } from './plan.js';

export class WrittenVersions {
  private readonly written = new Map<string, { kind: StatusOp['kind']; stale: Set<string> }>();

  /** A write succeeded; `staleVersions` are versions the cache may still show for `name`. */
  record(name: string, kind: StatusOp['kind'], staleVersions: readonly string[]): void {
    this.written.set(name, { kind, stale: new Set(staleVersions) });
  }

  /**
   * Forgets writes the cache has caught up with: it shows a version that is not stale, or the
   * object is gone after our delete. `cached` is name -> resourceVersion of every cached object.
   */
  catchUp(cached: ReadonlyMap<string, string>): void {
    for (const [name, w] of this.written) {
      const rv = cached.get(name);
      const caughtUp = rv === undefined ? w.kind === 'delete' : !w.stale.has(rv);
      if (caughtUp) this.written.delete(name);
    }
  }

  /** Whether an op planned from the cache may go out (false: it was planned from a version we overwrote). */
  allows(op: StatusOp): boolean {
    const w = this.written.get(op.name);
    return w === undefined || (op.kind !== 'create' && !w.stale.has(op.resourceVersion));
  }

  get size(): number {
    return this.written.size;
  }
}
