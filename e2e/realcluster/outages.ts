// What a client saw while something ran: from a prober's attempts (sequential, each with its
// start time and outcome), the failed count and the longest outage, i.e. the longest run of
// consecutive failed attempts and the time from the last answer before it to the first after.
// Pure, so the figure a test asserts is table-tested.

export interface Attempt {
  /** Start time, ms. */
  readonly t: number;
  readonly ok: boolean;
}

export interface OutageSummary {
  readonly total: number;
  readonly failed: number;
  /** Most consecutive failed attempts. */
  readonly longestFailedRun: number;
  /**
   * For that run: the last answered attempt's start before it to the first answered attempt's
   * start after it (the client's gap between answers); 0 when nothing failed. A run at either end
   * of the window is measured from the window's first or to its last attempt.
   */
  readonly longestGapMs: number;
}

export function summarizeOutages(attempts: readonly Attempt[]): OutageSummary {
  const sorted = [...attempts].sort((a, b) => a.t - b.t);
  let failed = 0;
  let run = 0;
  let runStart = 0;
  let longestFailedRun = 0;
  let longestGapMs = 0;
  let lastOkT: number | undefined;
  const close = (endT: number): void => {
    if (run === 0) return;
    const from = lastOkT ?? runStart;
    if (run > longestFailedRun || (run === longestFailedRun && endT - from > longestGapMs)) {
      longestFailedRun = run;
      longestGapMs = endT - from;
    }
    run = 0;
  };
  for (const a of sorted) {
    if (a.ok) {
      close(a.t);
      lastOkT = a.t;
    } else {
      failed++;
      if (run === 0) runStart = a.t;
      run++;
    }
  }
  close(sorted.at(-1)?.t ?? 0);
  return { total: sorted.length, failed, longestFailedRun, longestGapMs };
}
