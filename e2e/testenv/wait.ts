// Polling with a deadline, for "is it up yet" checks against processes we just started.
import type { ManagedProcess } from './proc.js';

export class StartTimeoutError extends Error {
  override readonly name = 'StartTimeoutError';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `check` every `intervalMs` until it returns true. Fails early (with the log file named)
 * if `proc` exits, so a bad flag shows up in a second instead of after the whole timeout.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; proc?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = '';
  for (;;) {
    if (opts.proc?.hasExited()) {
      throw new StartTimeoutError(`${what}: ${opts.proc.name} exited during start; see ${opts.proc.logFile}`);
    }
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) {
      const log = opts.proc ? `; see ${opts.proc.logFile}` : '';
      throw new StartTimeoutError(`${what}: not ready after ${opts.timeoutMs} ms${lastError ? ` (${lastError})` : ''}${log}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}
