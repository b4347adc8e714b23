import type { Heartbeat, ViewEntry } from './codec.js';
import { Membership, type ExpectedPeer, type MembershipChange } from './membership.js';
import { HeartbeatProtocol } from './protocol.js';

const boot = (c: string): string => c.repeat(32);
const PEERS: ExpectedPeer[] = [
  { name: 'a', host: '10.0.0.1', port: 7946 },
  { name: 'b', host: '10.0.0.2', port: 7946 },
  { name: 'c', host: '10.0.0.3', port: 7946 },
];
const from = (name: string): { host: string; port: number } => {
  const p = PEERS.find((x) => x.name === name);
  if (!p) throw new Error(name);
  return { host: p.host, port: p.port };
};

/** Membership of node a, peers listed at t=0. */
function setup(opts: Partial<ConstructorParameters<typeof Membership>[0]> = {}): Membership {
  const m = new Membership({ self: 'a', bootId: boot('a'), ...opts }, 0);
  m.expected(PEERS, 0);
  return m;
}

const hb = (node: string, seq: number, extra: Partial<Heartbeat> = {}): Heartbeat => ({
  type: 'alive',
  node,
  bootId: boot(node),
  seq: BigInt(seq),
  view: [],
  ...extra,
});

function accept(m: Membership, h: Heartbeat, now: number): MembershipChange[] {
  const r = m.receive(h, from(h.node), now);
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.changes;
}

/** Ticks every 10 ms from `start` to `end` inclusive, collecting changes. */
function ticks(m: Membership, start: number, end: number): MembershipChange[] {
  const out: MembershipChange[] = [];
  for (let t = start; t <= end; t += 10) out.push(...m.tick(t));
  return out;
}

describe('Membership: liveness by heartbeats', () => {
  it('a peer is alive from its first heartbeat', () => {
    const m = setup();
    expect(m.alive()).toEqual(new Set(['a']));
    expect(accept(m, hb('b', 0), 5)).toEqual([{ peer: 'b', alive: true, at: 5, cause: 'heard' }]);
    expect(m.alive()).toEqual(new Set(['a', 'b']));
  });

  it('dies after deadAfter of silence, not before', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    expect(ticks(m, 10, 500)).toEqual([]);
    expect(m.alive().has('b')).toBe(true);
    const changes = m.tick(501);
    expect(changes).toContainEqual({ peer: 'b', alive: false, at: 501, cause: 'timeout', silentForMs: 501 });
    expect(m.alive().has('b')).toBe(false);
  });

  it('regular heartbeats keep a peer alive indefinitely', () => {
    const m = setup();
    for (let t = 0; t < 5000; t += 100) {
      accept(m, hb('b', t / 100, { view: [{ node: 'a', bootId: boot('a'), ageMs: 10 }] }), t);
      expect(m.tick(t + 50)).toEqual([]);
    }
    expect(m.alive()).toEqual(new Set(['a', 'b']));
  });

  it('honours a configured deadAfter', () => {
    const m = setup({ deadAfterMs: 200 });
    accept(m, hb('b', 0), 0);
    expect(ticks(m, 10, 200).filter((c) => c.peer === 'b')).toEqual([]);
    expect(m.tick(210)).toContainEqual(expect.objectContaining({ peer: 'b', alive: false, cause: 'timeout' }));
  });

  it('a peer not listed by Kubernetes is refused, and one removed dies at once', () => {
    const m = setup();
    expect(m.receive(hb('zed', 0), { host: '10.0.0.9', port: 7946 }, 0)).toEqual({ ok: false, reason: 'unknown-peer' });
    accept(m, hb('b', 0), 0);
    expect(m.expected(PEERS.filter((p) => p.name !== 'b'), 10)).toContainEqual({ peer: 'b', alive: false, at: 10, cause: 'removed', silentForMs: 0 });
    expect(m.receive(hb('b', 1), from('b'), 20)).toEqual({ ok: false, reason: 'unknown-peer' });
  });

  it('refuses heartbeats from another address, unless verification is off; maps IPv4-in-IPv6', () => {
    const m = setup();
    expect(m.receive(hb('b', 0), { host: '10.0.0.3', port: 7946 }, 0)).toEqual({ ok: false, reason: 'address-mismatch' });
    expect(m.receive(hb('b', 0), { host: '10.0.0.2', port: 1 }, 0)).toEqual({ ok: false, reason: 'address-mismatch' });
    expect(m.receive(hb('b', 0), { host: '::ffff:10.0.0.2', port: 7946 }, 0).ok).toBe(true);
    const lax = setup({ verifySourceAddress: false });
    expect(lax.receive(hb('b', 0), { host: '192.168.9.9', port: 1 }, 0).ok).toBe(true);
  });

  it('refuses its own name', () => {
    const m = setup();
    expect(m.receive(hb('a', 0), from('a'), 0)).toEqual({ ok: false, reason: 'self' });
  });
});

describe('Membership: replay, restart, leaving', () => {
  it('rejects replays: same boot id with a sequence not above the last', () => {
    const m = setup();
    accept(m, hb('b', 5), 0);
    expect(m.receive(hb('b', 5), from('b'), 10)).toEqual({ ok: false, reason: 'replay' });
    expect(m.receive(hb('b', 3), from('b'), 10)).toEqual({ ok: false, reason: 'replay' });
    accept(m, hb('b', 6), 20);
  });

  it('a replayed old heartbeat does not keep a dead peer alive', () => {
    const m = setup();
    accept(m, hb('b', 7), 0);
    ticks(m, 10, 600);
    expect(m.alive().has('b')).toBe(false);
    expect(m.receive(hb('b', 7), from('b'), 700)).toEqual({ ok: false, reason: 'replay' });
    expect(m.alive().has('b')).toBe(false);
  });

  it('a restart (new boot id) resets the sequence; the old life is then refused', () => {
    const m = setup();
    accept(m, hb('b', 900), 0);
    const reborn = { bootId: boot('f') };
    expect(m.receive(hb('b', 0, reborn), from('b'), 100).ok).toBe(true);
    expect(m.receive(hb('b', 901), from('b'), 110)).toEqual({ ok: false, reason: 'stale-boot' });
    expect(m.receive(hb('b', 1, reborn), from('b'), 120).ok).toBe(true);
    expect(m.alive().has('b')).toBe(true);
  });

  it('leaving marks the peer dead at once', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    expect(accept(m, hb('b', 1, { type: 'leaving' }), 30)).toContainEqual({ peer: 'b', alive: false, at: 30, cause: 'leaving', silentForMs: 0 });
    expect(m.alive().has('b')).toBe(false);
    // Duplicate leaving heartbeats (sent a few times) change nothing.
    expect(accept(m, hb('b', 2, { type: 'leaving' }), 31)).toEqual([]);
  });

  it('after leaving, others still relaying the old life do not resurrect it; a new life does', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    accept(m, hb('c', 0), 0);
    accept(m, hb('b', 1, { type: 'leaving' }), 10);
    const stale: ViewEntry[] = [{ node: 'b', bootId: boot('b'), ageMs: 5 }];
    accept(m, hb('c', 1, { view: stale }), 20);
    expect(m.alive().has('b')).toBe(false);
    const reborn: ViewEntry[] = [{ node: 'b', bootId: boot('e'), ageMs: 5 }];
    expect(accept(m, hb('c', 2, { view: reborn }), 300)).toContainEqual({ peer: 'b', alive: true, at: 300, cause: 'relayed' });
  });
});

describe('Membership: agreement through relayed views', () => {
  it('a peer heard only by others is alive, as long as their reports are fresh', () => {
    const m = setup();
    // a never hears b directly; c reports hearing b 30 ms before c sent.
    accept(m, hb('c', 0, { view: [{ node: 'b', bootId: boot('b'), ageMs: 30 }] }), 100);
    expect(m.alive()).toEqual(new Set(['a', 'b', 'c']));
    // Evidence of b dates from 70: dead after 570, not before.
    expect(ticks(m, 110, 560).some((c) => c.peer === 'b')).toBe(false);
    // c's next view no longer lists b (c's own evidence expired): b is dead for us at once.
    expect(accept(m, hb('c', 1, { view: [] }), 565)).toContainEqual({ peer: 'b', alive: false, at: 565, cause: 'timeout', silentForMs: 495 });
  });

  it('our direct silence does not kill a peer others still hear', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    let seq = 1;
    for (let t = 50; t <= 2000; t += 100) accept(m, hb('c', seq++, { view: [{ node: 'b', bootId: boot('b'), ageMs: 20 }, { node: 'a', bootId: boot('a'), ageMs: 20 }] }), t);
    expect(ticks(m, 0, 2000)).toEqual([]);
    expect(m.alive()).toEqual(new Set(['a', 'b', 'c']));
  });

  it('relayed entries with a retired boot id are ignored', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    accept(m, hb('b', 0, { bootId: boot('9') }), 10); // b restarted
    ticks(m, 20, 600);
    expect(m.alive().has('b')).toBe(false);
    accept(m, hb('c', 0, { view: [{ node: 'b', bootId: boot('b'), ageMs: 1 }] }), 610);
    expect(m.alive().has('b')).toBe(false);
  });

  it('the view we send lists only peers heard directly, with their age', () => {
    const m = setup();
    accept(m, hb('b', 0), 10);
    accept(m, hb('c', 0, { view: [{ node: 'b', bootId: boot('b'), ageMs: 1 }] }), 20);
    expect(m.view(60)).toEqual([
      { node: 'b', bootId: boot('b'), ageMs: 50 },
      { node: 'c', bootId: boot('c'), ageMs: 40 },
    ]);
    expect(m.view(515)).toEqual([{ node: 'c', bootId: boot('c'), ageMs: 495 }]);
  });

  it('a node nobody hears counts itself out (its sending is broken), and back in when heard', () => {
    const m = setup();
    let seq = 0;
    // b and c are heard, but their views never list a.
    for (let t = 0; t <= 490; t += 100) {
      accept(m, hb('b', seq), t);
      accept(m, hb('c', seq++), t);
    }
    expect(m.alive().has('a')).toBe(true);
    accept(m, hb('b', seq), 500);
    accept(m, hb('c', seq++), 500);
    expect(m.tick(501)).toContainEqual({ peer: 'a', alive: false, at: 501, cause: 'unheard', silentForMs: 501 });
    expect(m.alive()).toEqual(new Set(['b', 'c']));
    expect(accept(m, hb('b', seq++, { view: [{ node: 'a', bootId: boot('a'), ageMs: 3 }] }), 550)).toContainEqual({ peer: 'a', alive: true, at: 550, cause: 'heard' });
  });

  it('alone, a node is alive (everyone else died)', () => {
    const m = setup();
    accept(m, hb('b', 0, { view: [{ node: 'a', bootId: boot('a'), ageMs: 1 }] }), 0);
    ticks(m, 10, 600);
    expect(m.alive()).toEqual(new Set(['a']));
  });
});

describe('Membership: stalls of our own event loop', () => {
  it('a stall longer than deadAfter is not a dead peer: the queued heartbeats are read in the grace period', () => {
    const m = setup();
    accept(m, hb('b', 0, { view: [{ node: 'a', bootId: boot('a'), ageMs: 1 }] }), 0);
    expect(ticks(m, 0, 100)).toEqual([]);
    // The process freezes from 100 to 900 (GC, CPU starvation): no tick, no read.
    expect(m.tick(900)).toEqual([]);
    expect(m.stalls()).toBe(1);
    // The socket's backlog is read right after.
    expect(accept(m, hb('b', 8, { view: [{ node: 'a', bootId: boot('a'), ageMs: 2 }] }), 905)).toEqual([]);
    expect(m.alive()).toEqual(new Set(['a', 'b']));
  });

  it('a peer that really died during the stall dies when the grace period ends', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    ticks(m, 0, 100);
    expect(m.tick(900)).toEqual([]);
    expect(m.tick(1140)).toEqual([]);
    const after = m.tick(1151);
    expect(after).toContainEqual({ peer: 'b', alive: false, at: 1151, cause: 'timeout', silentForMs: 1151 });
  });

  it('a receive right after a stall, before any tick, does not declare deaths either', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    accept(m, hb('c', 0), 0);
    ticks(m, 0, 100);
    // First thing after the stall is c's queued heartbeat; b's is read next.
    expect(accept(m, hb('c', 1), 900)).toEqual([]);
    expect(accept(m, hb('b', 1), 901)).toEqual([]);
  });

  it('short gaps are not stalls', () => {
    const m = setup();
    accept(m, hb('b', 0), 0);
    m.tick(200);
    m.tick(400);
    expect(m.stalls()).toBe(0);
    expect(m.tick(501)).toContainEqual(expect.objectContaining({ peer: 'b', alive: false }));
  });
});

describe('Membership: settling at start-up', () => {
  it('not settled before the peer list; settled when all are alive or after deadAfter', () => {
    const m = new Membership({ self: 'a', bootId: boot('a') }, 0);
    expect(m.settled(1000)).toBe(false);
    m.expected(PEERS, 1000);
    expect(m.settled(1000)).toBe(false);
    accept(m, hb('b', 0), 1050);
    expect(m.settled(1050)).toBe(false);
    accept(m, hb('c', 0), 1060);
    expect(m.settled(1060)).toBe(true);
    const lonely = new Membership({ self: 'a', bootId: boot('a') }, 0);
    lonely.expected(PEERS, 0);
    expect(lonely.settled(499)).toBe(false);
    expect(lonely.settled(500)).toBe(true);
  });
});

describe('HeartbeatProtocol: bytes in, rejections counted', () => {
  const KEY = Buffer.from('k'.repeat(32));
  const make = (self: string, key = KEY): HeartbeatProtocol => {
    const p = new HeartbeatProtocol({ self, bootId: boot(self), keys: [key] }, 0);
    p.membership.expected(PEERS, 0);
    return p;
  };

  it('delivers a signed heartbeat and counts forged, replayed and garbage ones', () => {
    const a = make('a');
    const b = make('b');
    const forger = make('b', Buffer.from('x'.repeat(32)));
    const [toA] = b.outgoing(0).filter((d) => d.to.name === 'a');
    expect(toA).toBeDefined();
    if (!toA) return;
    expect(a.incoming(toA.bytes, from('b'), 1)).toEqual({ ok: true, changes: [{ peer: 'b', alive: true, at: 1, cause: 'heard' }] });
    expect(a.incoming(toA.bytes, from('b'), 2)).toEqual({ ok: false, reason: 'replay' });
    const forged = forger.outgoing(0).find((d) => d.to.name === 'a');
    expect(forged && a.incoming(forged.bytes, from('b'), 3)).toEqual({ ok: false, reason: 'bad-mac' });
    expect(a.incoming(Buffer.from('hello'), from('c'), 4)).toEqual({ ok: false, reason: 'short' });
    expect(Object.fromEntries(a.rejections())).toEqual({ replay: 1, 'bad-mac': 1, short: 1 });
    expect(a.membership.alive()).toEqual(new Set(['a', 'b']));
  });

  it('sends to every expected peer but itself, with increasing sequence numbers', () => {
    const a = make('a');
    const b = make('b');
    const first = a.outgoing(0);
    expect(first.map((d) => d.to.name).sort()).toEqual(['b', 'c']);
    const second = a.outgoing(100).find((d) => d.to.name === 'b');
    const firstToB = first.find((d) => d.to.name === 'b');
    if (!firstToB || !second) throw new Error('missing');
    expect(b.incoming(second.bytes, from('a'), 100).ok).toBe(true);
    expect(b.incoming(firstToB.bytes, from('a'), 101)).toEqual({ ok: false, reason: 'replay' });
  });

  it('keeps sending when there are more peers than a view may carry', () => {
    const many: ExpectedPeer[] = Array.from({ length: 250 }, (_, i) => ({ name: `n${i}`, host: `10.1.${i >> 8}.${i & 255}`, port: 7946 }));
    const a = new HeartbeatProtocol({ self: 'a', bootId: boot('a'), keys: [KEY], verifySourceAddress: false }, 0);
    a.membership.expected([...many, ...PEERS], 0);
    many.forEach((p, i) => expect(a.membership.receive(hb(p.name, 0, { bootId: boot('1') }), p, i % 50).ok).toBe(true));
    const out = a.outgoing(60);
    expect(out).toHaveLength(252);
    const b = make('b');
    const toB = out.find((d) => d.to.name === 'b');
    expect(toB && b.incoming(toB.bytes, from('a'), 61).ok).toBe(true);
  });
});
