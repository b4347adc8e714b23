// Runs an async function over items with at most `width` calls in flight, in item order. For
// bursts of API calls (thousands of status writes after a takeover): one at a time is slow
// (one round trip each), all at once floods the API server and this process.
export async function eachBounded<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be a positive integer, not ${width}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}
