// Shared program start-up: parse flags, print --help, turn usage errors into exit code 2.
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
