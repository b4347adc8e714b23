// A full list of a resource, in pages (limit/continue) so neither the API server nor this process
// holds the whole answer as one JSON text; the resourceVersion to watch from comes with it.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';

export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list response whose items are objects with metadata; anything else is a malformed response. */
export function asObjectList<T extends KubernetesObject>(body: unknown, what: string): KubernetesListObject<T> {
  if (!isObject(body) || !Array.isArray(body.items)) throw new MalformedResponseError(`${what}: list response has no items array`);
  for (const item of body.items) {
    if (!isObject(item) || !isObject(item.metadata)) throw new MalformedResponseError(`${what}: list item without metadata`);
  }
  return body as unknown as KubernetesListObject<T>;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Items per page. */
  readonly limit?: number;
  /**
   * Of the first page (later pages follow its continue token). '0': any version, served by the
   * API server's watch cache; '' or absent: the latest, a quorum read; with resourceVersionMatch
   * NotOlderThan: at least this version, also from the watch cache.
   */
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface FullList<T> {
  readonly items: T[];
  /** Of the first page: the snapshot all pages belong to, and where a watch resumes. */
  readonly resourceVersion: string;
}

export const defaultPageSize = 500;

/**
 * Every object at `path`. Items of a list carry no apiVersion/kind; the list's own (minus "List")
 * are filled in, so cached objects look like watched ones.
 */
export async function listAll<T extends KubernetesObject>(client: KubeClient, path: string, opts: ListOptions = {}): Promise<FullList<T>> {
  const items: T[] = [];
  let resourceVersion: string | undefined;
  let continueToken: string | undefined;
  do {
    // A continue token carries its snapshot's version; the server refuses both together.
    const version = continueToken === undefined ? { resourceVersion: opts.resourceVersion, resourceVersionMatch: opts.resourceVersionMatch } : {};
    const page = asObjectList<T>(
      await client.get<unknown>(path, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit ?? defaultPageSize, continue: continueToken, ...version }),
      path,
    );
    resourceVersion ??= page.metadata?.resourceVersion;
    const kind = page.kind?.replace(/List$/, '');
    for (const item of page.items) {
      if (item.apiVersion === undefined && page.apiVersion !== undefined) item.apiVersion = page.apiVersion;
      if (item.kind === undefined && kind !== undefined) item.kind = kind;
      items.push(item);
    }
    // Raw JSON says `continue` (client-node's typed model renames it `_continue`).
    continueToken = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
  } while (continueToken);
  if (!resourceVersion) throw new MalformedResponseError(`${path}: list response has no resourceVersion`);
  return { items, resourceVersion };
}
