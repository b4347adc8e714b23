import { microTime } from './microtime.js';

describe('microTime', () => {
  it.each([
    ['the string the API server sends (kept to the microsecond)', '2026-11-22T19:42:55.192345Z', '2026-11-22T19:42:55.192345Z'],
    ['a Date', new Date('2026-11-22T19:42:55.192Z'), '2026-11-22T19:42:55.192000Z'],
    ['epoch milliseconds', Date.UTC(2026, 10, 22, 19, 42, 55, 7), '2026-11-22T19:42:55.007000Z'],
    ['a time string in another format', '2026-11-22T20:42:55.1+01:00', '2026-11-22T19:42:55.100000Z'],
  ])('writes %s with six fractional digits', (_what, input, want) => {
    expect(microTime(input)).toBe(want);
  });
  it('refuses what is not a time', () => {
    expect(() => microTime('yesterday')).toThrow(RangeError);
  });
});
