import { parseCounters } from './nft.js';

describe('parseCounters', () => {
  it('reads the named counters of our table and ignores the rest', () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { counter: { family: 'netdev', name: 'i0_s0_n1_packets', table: 'l2lb_spread', handle: 9, packets: 12, bytes: 3400 } },
        { counter: { family: 'netdev', name: 'x', table: 'other', packets: 1, bytes: 1 } },
        { counter: { family: 'netdev', name: 'bad', table: 'l2lb_spread', packets: '1', bytes: 1 } },
      ],
    });
    expect(parseCounters(json)).toEqual({ ok: true, value: new Map([['i0_s0_n1_packets', { packets: 12, bytes: 3400 }]]) });
  });

  it.each([
    ['not JSON', 'Error: oops', 'not JSON'],
    ['no nftables array', '{"x":1}', 'without an "nftables" array'],
  ])('%s is an error, not a crash', (_what, text, message) => {
    const r = parseCounters(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
