// Shared program start-up: parse flags, print --help, turn usage errors into exit code 2.
import type { Logger } from '../log.js';
import { parseFlags, usage, UsageError, type FlagSpec, type FlagValues } from './flags.js';

export async function runProgram(
  program: string,
  summary: string,
  specs: readonly FlagSpec[],
  main: (flags: FlagValues) => Promise<void>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  let flags: FlagValues | 'help';
  try {
    flags = parseFlags(argv, specs);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${program}: ${err.message}\n\n${usage(program, summary, specs)}`);
    process.exit(2);
  }
  if (flags === 'help') {
    process.stdout.write(usage(program, summary, specs));
    return;
  }
  try {
    await main(flags);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${program}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Stops the program once on SIGTERM or SIGINT: runs `stop` (withdraw, release, close) and exits 0,
 * or 1 when stopping failed. A second signal while stopping is ignored (stop is already running).
 */
export function stopOnSignals(log: Logger, what: string, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', what, { signal });
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('stopFailed', 'stop failed', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
