// One watch request: a streaming GET (?watch=1) whose body is newline-delimited JSON events. It
// ends when the server closes it (timeoutSeconds), with 'expired' when the resourceVersion is too
// old to resume from (410 Gone: the caller must list again), with 'stalled' when nothing arrived
// for idleTimeoutMs, or rejects on any other failure.
//
// The read-idle watchdog: the watch asks for bookmarks (allowWatchBookmarks), which a kube-apiserver
// with a watch cache sends about once a minute even when nothing changes. A connection that died
// without a FIN or RST (a NAT or conntrack entry dropped, a load balancer failing over, a peer
// that froze) delivers nothing and reports nothing; TCP itself would only notice after the
// kernel's retransmission timeout (~15 min) or never for an idle stream. client-go notices with
// HTTP/2 pings; here a few minutes without a byte ends the watch, and the caller resumes from the
// last resourceVersion on a new connection.
import type { IncomingMessage } from 'node:http';
import { ApiError, apiErrorFromStatus, TransportError } from './api-error.js';
import type { KubeClient } from './client.js';
import { LineSplitter } from './ndjson.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: unknown;
}

export interface WatchOptions {
  readonly resourceVersion: string;
  readonly timeoutSeconds: number;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Read-idle watchdog: end the watch as 'stalled' when no byte arrived for this long (from the
   * request being sent, then from the last chunk). Several bookmark intervals (about a minute each).
   */
  readonly idleTimeoutMs?: number;
}

/**
 * How a watch ended: closed by the server or by the caller (resume from the last
 * resourceVersion), expired (list again), or stalled (silent past the watchdog; resume too).
 */
export type WatchEnd = 'closed' | 'expired' | 'stalled';

/** Default read-idle watchdog: three missed bookmarks. */
export const defaultWatchIdleTimeoutMs = 180_000;

const GONE = 410;
/** A line this long is not an event of any object l2lb watches: a broken stream. */
const maxLineChars = 16 * 1024 * 1024;
/** Beyond the server's timeoutSeconds: a stream this late is stuck on a dead connection. */
const graceMs = 30_000;

/** Parses one line of a watch stream; throws on anything that is not an event. */
export function parseWatchLine(line: string): WatchEvent {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { type?: unknown }).type !== 'string') {
    throw new Error(`not a watch event: ${line.slice(0, 200)}`);
  }
  const { type, object } = parsed as { type: string; object: unknown };
  if (!['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'].includes(type)) throw new Error(`unknown watch event type ${JSON.stringify(type)}`);
  return { type: type as WatchEventType, object };
}

/** The HTTP-like code of an ERROR event's Status (410 for an expired resourceVersion). */
export function errorEventCode(object: unknown): number {
  const code = typeof object === 'object' && object !== null ? (object as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : 500;
}

/**
 * Watches `path` from `opts.resourceVersion`, calling `onEvent` for each object event and bookmark;
 * `onOpen` runs once the server accepted the watch. Aborting `signal` ends it as 'closed'.
 */
export async function watchOnce(
  client: KubeClient,
  path: string,
  opts: WatchOptions,
  onEvent: (e: WatchEvent) => void,
  signal: AbortSignal,
  onOpen: () => void = () => {},
): Promise<WatchEnd> {
  const query = {
    watch: 1,
    resourceVersion: opts.resourceVersion,
    allowWatchBookmarks: true,
    timeoutSeconds: opts.timeoutSeconds,
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
  };
  if (signal.aborted) return 'closed'; // its abort event has fired already: nobody would end this watch
  const local = new AbortController();
  const abort = (): void => local.abort();
  signal.addEventListener('abort', abort);
  const deadline = setTimeout(abort, opts.timeoutSeconds * 1000 + graceMs);
  const idleMs = opts.idleTimeoutMs ?? defaultWatchIdleTimeoutMs;
  let stalled = false;
  const watchdog = setTimeout(() => {
    stalled = true;
    local.abort();
  }, idleMs);
  const alive = (): void => void watchdog.refresh();
  const ended = (end: WatchEnd): WatchEnd => (stalled && end === 'closed' ? 'stalled' : end);
  try {
    let res: IncomingMessage;
    try {
      res = await client.stream(path, query, local.signal);
    } catch (err) {
      if (err instanceof ApiError && err.status === GONE) return 'expired';
      if (local.signal.aborted) return ended('closed');
      throw err;
    }
    alive();
    onOpen();
    return ended(await readEvents(res, path, onEvent, local.signal, alive));
  } finally {
    clearTimeout(deadline);
    clearTimeout(watchdog);
    signal.removeEventListener('abort', abort);
  }
}

function readEvents(res: IncomingMessage, path: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal, alive: () => void): Promise<WatchEnd> {
  return new Promise<WatchEnd>((resolve, reject) => {
    const lines = new LineSplitter();
    let settled = false;
    const settle = (outcome: WatchEnd | Error): void => {
      if (settled) return;
      settled = true;
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
      // Whatever is still arriving is unwanted now; destroying also drops the connection, which
      // the server would otherwise keep streaming on.
      if (!res.complete) res.destroy();
    };
    const handle = (line: string): boolean => {
      const event = parseWatchLine(line);
      if (event.type === 'ERROR') {
        const code = errorEventCode(event.object);
        settle(code === GONE ? 'expired' : apiErrorFromStatus(code, event.object, line.slice(0, 500), 'WATCH', path));
        return false;
      }
      onEvent(event);
      return true;
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (settled) return;
      alive();
      try {
        for (const line of lines.push(chunk)) if (!handle(line)) return;
        if (lines.pending > maxLineChars) throw new Error(`watch event longer than ${maxLineChars} characters`);
      } catch (err) {
        // A bad line or a throwing handler: the stream can no longer be trusted to be in step.
        settle(err instanceof ApiError || err instanceof TransportError ? err : new TransportError('WATCH', path, err));
      }
    });
    res.on('end', () => {
      try {
        for (const line of lines.end()) if (!handle(line)) return;
        settle('closed');
      } catch (err) {
        settle(new TransportError('WATCH', path, err));
      }
    });
    res.on('error', (err) => settle(signal.aborted ? 'closed' : new TransportError('WATCH', path, err)));
    res.on('close', () => {
      if (signal.aborted) settle('closed');
      else if (!res.complete) settle(new TransportError('WATCH', path, new Error('connection closed mid-watch')));
    });
  });
}
