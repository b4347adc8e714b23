// Durations on the command line as Go spells them (client-go's and controller-runtime's leader
// election flags take "15s", "500ms", "1m30s"), so operators can copy values between the two.
import { UsageError, flagString, type FlagValues } from './flags.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go-style duration ("1m30s", "250ms", "1.5s"), or undefined if malformed. */
export function parseDurationMs(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** The flag's duration in milliseconds; a usage error when malformed or outside [minMs, maxMs]. */
export function flagDurationMs(values: FlagValues, name: string, minMs: number, maxMs: number): number | undefined {
  const raw = flagString(values, name);
  if (raw === undefined) return undefined;
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw new UsageError(`--${name} must be a duration like 15s, 500ms or 1m30s, not ${JSON.stringify(raw)}`);
  if (ms < minMs || ms > maxMs) throw new UsageError(`--${name} must be from ${minMs} ms to ${maxMs} ms, not ${ms} ms`);
  return ms;
}
