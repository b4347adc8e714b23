// Keeps the interface picture current: a scan at start, a rescan soon after every netlink
// link/address notification (debounced: one link change emits several messages), and a
// periodic rescan as a safety net (missed notifications, a monitor that could not open).
// Emits only when something the rules look at changed.
import { LinkMonitor } from '../native/link-monitor.js';
import { selectInterfaces, type InterfaceSelection, type RawInterface, type SelectionRules } from './rules.js';
import { DEFAULT_PATHS, readInterfaces, type SysfsPaths } from './sysfs.js';

export interface InterfaceSnapshot {
  /** Every interface with its facts, for per-L2Advertisement selections (selectInterfaces with `allow`). */
  readonly raw: readonly RawInterface[];
  /** The selection under the watcher's rules. */
  readonly selection: InterfaceSelection;
}

export interface ChangeSource {
  onChange(cb: () => void): void;
  /** Notifications stopped for good; periodic rescans carry on. */
  onError?(cb: (err: Error) => void): void;
  close(): void;
}

export interface InterfaceWatcherOptions {
  readonly rules?: SelectionRules;
  /** Periodic rescan, default 5000 ms. */
  readonly intervalMs?: number;
  /** Wait after a notification before rescanning, default 50 ms. */
  readonly debounceMs?: number;
  readonly paths?: SysfsPaths;
  /** Default: netlink (LinkMonitor). null: periodic scans only. */
  readonly changes?: ChangeSource | null;
  readonly onChange: (snapshot: InterfaceSnapshot) => void;
  /**
   * A scan failed (e.g. /sys unreadable; the previous snapshot stays current), or change
   * notifications could not start or stopped (periodic scans still run).
   */
  readonly onError?: (err: Error) => void;
}

export interface InterfaceWatcher {
  current(): InterfaceSnapshot;
  /** Scan now (e.g. after the L2Advertisements changed the rules). */
  rescan(): Promise<void>;
  setRules(rules: SelectionRules): Promise<void>;
  close(): void;
}

/** Resolves after the first scan, which is also the first onChange. */
export async function watchInterfaces(opts: InterfaceWatcherOptions): Promise<InterfaceWatcher> {
  const paths = opts.paths ?? DEFAULT_PATHS;
  let rules = opts.rules ?? {};
  let snapshot: InterfaceSnapshot | undefined;
  let lastKey = '';
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let debounce: NodeJS.Timeout | undefined;

  const scanOnce = async (): Promise<void> => {
    const raw = await readInterfaces(paths);
    const key = JSON.stringify([raw, rules]);
    if (key === lastKey || closed) return;
    lastKey = key;
    snapshot = { raw, selection: selectInterfaces(raw, rules) };
    opts.onChange(snapshot);
  };
  // One scan at a time; a request during a scan runs one more scan after it.
  const rescan = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await scanOnce();
        } catch (err) {
          if (!snapshot) throw err;
          opts.onError?.(err instanceof Error ? err : new Error(String(err)));
        }
      } while (again && !closed);
    })().finally(() => (running = undefined));
    return running;
  };

  await rescan();
  let changes: ChangeSource | null = null;
  if (opts.changes !== null) {
    try {
      changes = opts.changes ?? LinkMonitor.open();
    } catch (err) {
      opts.onError?.(err instanceof Error ? err : new Error(String(err))); // periodic scans still work
    }
  }
  changes?.onError?.((err) => opts.onError?.(err));
  changes?.onChange(() => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void rescan(), opts.debounceMs ?? 50);
  });
  const timer = setInterval(() => void rescan(), opts.intervalMs ?? 5000);

  return {
    current: () => snapshot!,
    rescan,
    setRules: (r) => {
      rules = r;
      return rescan();
    },
    close: () => {
      closed = true;
      clearInterval(timer);
      clearTimeout(debounce);
      changes?.close();
    },
  };
}
