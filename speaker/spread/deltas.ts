// From two reads of the rules' counters to what happened in between, per Service, node and kind.
// Pure. A counter that went down was re-created (the whole table is replaced on every change):
// its new value is all that happened since.
import type { CounterValue } from './nft.js';
import type { CounterEntry, CounterKind } from './render.js';

export interface CounterDelta {
  readonly service: string;
  readonly node: string;
  readonly kind: CounterKind;
  readonly measure: CounterEntry['measure'];
  readonly packets: number;
  readonly bytes: number;
}

export function counterDeltas(legend: readonly CounterEntry[], before: ReadonlyMap<string, CounterValue>, now: ReadonlyMap<string, CounterValue>): CounterDelta[] {
  const out: CounterDelta[] = [];
  for (const e of legend) {
    const cur = now.get(e.name);
    if (cur === undefined) continue;
    const prev = before.get(e.name);
    const reset = prev === undefined || cur.packets < prev.packets || cur.bytes < prev.bytes;
    const packets = reset ? cur.packets : cur.packets - prev.packets;
    const bytes = reset ? cur.bytes : cur.bytes - prev.bytes;
    if (packets > 0 || bytes > 0) out.push({ service: e.service, node: e.node, kind: e.kind, measure: e.measure, packets, bytes });
  }
  return out;
}
