import { V1MicroTime } from '@kubernetes/client-node';
import { microTime } from './elector.js';

describe('microTime', () => {
  // client-node returns MicroTime fields of a Lease as the server's string, despite typing them Date.
  it.each([
    ['the string the API server sends', '2026-11-22T19:42:55.192345Z' as Date | string],
    ['a Date', new Date('2026-11-22T19:42:55.192Z')],
  ])('turns %s into a MicroTime for writing', (_what, input) => {
    const t = microTime(input);
    expect(t).toBeInstanceOf(V1MicroTime);
    expect(t.toISOString()).toBe('2026-11-22T19:42:55.192000Z');
  });
});
