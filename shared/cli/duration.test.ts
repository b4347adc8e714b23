import { flagDurationMs, parseDurationMs } from './duration.js';
import { parseFlags, UsageError } from './flags.js';

describe('parseDurationMs', () => {
  it.each([
    ['15s', 15_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['2h', 7_200_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '15', 's', '-1s', '1 s', '1sx', '1d', '.5s', 'ms'])('rejects %j', (text) => expect(parseDurationMs(text)).toBeUndefined());
});

describe('flagDurationMs', () => {
  const specs = [{ name: 'lease-duration', help: 'x', default: '15s' }];
  const flags = (argv: string[]) => {
    const v = parseFlags(argv, specs);
    if (v === 'help') throw new Error('unexpected help');
    return v;
  };
  it('reads the default and a given value', () => {
    expect(flagDurationMs(flags([]), 'lease-duration', 1000, 60_000)).toBe(15_000);
    expect(flagDurationMs(flags(['--lease-duration=2s']), 'lease-duration', 1000, 60_000)).toBe(2000);
  });
  it('names the flag in a usage error', () => {
    expect(() => flagDurationMs(flags(['--lease-duration', '15']), 'lease-duration', 1000, 60_000)).toThrow(UsageError);
    expect(() => flagDurationMs(flags(['--lease-duration', '15']), 'lease-duration', 1000, 60_000)).toThrow('--lease-duration must be a duration');
    expect(() => flagDurationMs(flags(['--lease-duration', '100ms']), 'lease-duration', 1000, 60_000)).toThrow('from 1000 ms');
  });
});
