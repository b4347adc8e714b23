// An informer's cache, and the events a change to it means. Pure: the informer feeds it list
// results and watch events; the tests feed it tables.
import type { KubernetesObject } from '@kubernetes/client-node';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface Change<T> {
  readonly event: InformerEvent;
  readonly obj: T;
}

/**
 * Drops metadata.managedFields: server-side-apply bookkeeping nobody here reads, often the
 * largest part of a small object, kept for every cached object otherwise. Mutates: objects come
 * fresh from JSON.parse and belong to the cache. Set to undefined rather than deleted: `delete`
 * turns the object into a dictionary (a hash table per object), several times its size.
 */
export function slim<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields !== undefined) obj.metadata.managedFields = undefined;
  return obj;
}

/** "namespace/name" (the key queues, Events and reports use) split back into its parts. */
export function splitObjectKey(key: string): { readonly namespace: string; readonly name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

const nsOf = (obj: KubernetesObject): string => obj.metadata?.namespace ?? '';
const nameOf = (obj: KubernetesObject): string => obj.metadata?.name ?? '';

/** Objects by namespace ('' for cluster-scoped) then name: list(namespace) needs no scan. */
export class ObjectStore<T extends KubernetesObject> {
  private readonly byNamespace = new Map<string, Map<string, T>>();

  get size(): number {
    let n = 0;
    for (const m of this.byNamespace.values()) n += m.size;
    return n;
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.byNamespace.get(namespace)?.values() ?? [])];
    const all: T[] = [];
    for (const m of this.byNamespace.values()) for (const o of m.values()) all.push(o);
    return all;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.byNamespace.get(namespace ?? '')?.get(name);
  }

  /** An ADDED or MODIFIED object: 'add' if new, 'update' otherwise. */
  upsert(obj: T): Change<T> {
    slim(obj);
    const ns = nsOf(obj);
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    const existed = m.has(nameOf(obj));
    m.set(nameOf(obj), obj);
    return { event: existed ? 'update' : 'add', obj };
  }

  /** A DELETED object (the watch sends its last state). */
  remove(obj: T): Change<T> {
    slim(obj);
    const ns = nsOf(obj);
    const m = this.byNamespace.get(ns);
    m?.delete(nameOf(obj));
    if (m?.size === 0) this.byNamespace.delete(ns);
    return { event: 'delete', obj };
  }

  /**
   * A fresh list replaces the cache. The changes are what a watch would have said meanwhile:
   * first 'delete' for objects no longer listed (with their cached state), then 'add' for new
   * objects and 'update' for a different resourceVersion (same resourceVersion: the same object,
   * no event). Deletes first, as client-node did: a controller handling the events in order frees
   * what deleted objects held (addresses) before it serves the new ones.
   */
  replace(items: readonly T[]): Change<T>[] {
    const changes: Change<T>[] = [];
    const listed = new Set<string>();
    for (const obj of items) listed.add(`${nsOf(obj)}/${nameOf(obj)}`);
    for (const old of this.list()) {
      if (!listed.has(`${nsOf(old)}/${nameOf(old)}`)) changes.push(this.remove(old));
    }
    for (const obj of items) {
      const old = this.get(nameOf(obj), nsOf(obj));
      if (old !== undefined && old.metadata?.resourceVersion === obj.metadata?.resourceVersion && obj.metadata?.resourceVersion !== undefined) {
        continue; // unchanged: keep the cached copy, drop the new one
      }
      changes.push(this.upsert(obj));
    }
    return changes;
  }
}
