import { counterDeltas } from './deltas.js';
import type { CounterEntry } from './render.js';

const legend: CounterEntry[] = [
  { name: 'a', service: 'ns/web', node: 'n1', kind: 'local', measure: 'packets' },
  { name: 'b', service: 'ns/web', node: 'n2', kind: 'forwarded', measure: 'packets' },
  { name: 'c', service: 'ns/web', node: 'n2', kind: 'forwarded', measure: 'syns' },
];
const v = (packets: number, bytes: number) => ({ packets, bytes });

describe('counterDeltas', () => {
  it('differences since the last read; unchanged counters report nothing', () => {
    const before = new Map([['a', v(10, 1000)], ['b', v(5, 500)], ['c', v(1, 60)]]);
    const now = new Map([['a', v(15, 1600)], ['b', v(5, 500)], ['c', v(3, 180)]]);
    expect(counterDeltas(legend, before, now)).toEqual([
      { service: 'ns/web', node: 'n1', kind: 'local', measure: 'packets', packets: 5, bytes: 600 },
      { service: 'ns/web', node: 'n2', kind: 'forwarded', measure: 'syns', packets: 2, bytes: 120 },
    ]);
  });

  it('a counter seen first, or lower than before (re-created), counts whole', () => {
    const now = new Map([['a', v(3, 300)], ['b', v(2, 200)]]);
    expect(counterDeltas(legend, new Map([['b', v(9, 900)]]), now).map((d) => [d.node, d.packets, d.bytes])).toEqual([['n1', 3, 300], ['n2', 2, 200]]);
  });

  it('counters not in the legend, or missing now, are ignored', () => {
    expect(counterDeltas(legend, new Map(), new Map([['zzz', v(1, 1)]]))).toEqual([]);
  });
});
