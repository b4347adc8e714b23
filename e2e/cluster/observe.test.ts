import { parseNeighborLine } from './observe.js';

describe('parseNeighborLine', () => {
  it.each([
    ['[2026-11-22T19:40:00.123456] 192.0.2.200 dev eth0 lladdr 02:1b:00:00:00:02 REACHABLE', { ip: '192.0.2.200', mac: '02:1b:00:00:00:02', t: Date.parse('2026-11-22T19:40:00Z') + 123.456 }],
    ['[2026-11-22T19:40:01.000001] 2001:db8::200 dev eth0 lladdr 02:1b:00:00:00:03 STALE', { ip: '2001:db8::200', mac: '02:1b:00:00:00:03', t: Date.parse('2026-11-22T19:40:01Z') + 0.001 }],
  ])('reads %s', (line, want) => {
    const got = parseNeighborLine(line);
    expect(got?.ip).toBe(want.ip);
    expect(got?.mac).toBe(want.mac);
    expect(got?.t).toBeCloseTo(want.t, 3);
  });
  it.each(['[2026-11-22T19:40:00.123456] 192.0.2.200 dev eth0 FAILED', 'garbage', ''])('ignores %j', (line) => {
    expect(parseNeighborLine(line)).toBeUndefined();
  });
});
