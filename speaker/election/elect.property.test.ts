// Properties the failover story relies on, over random clusters.
import fc from 'fast-check';
import { electAll } from './elect.js';
import { ownerFor } from './rank.js';
import type { ElectionInput, ServiceInfo } from './types.js';

const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const ipv4 = fc.tuple(fc.nat(3), fc.nat(255)).map(([a, b]) => `10.${a}.0.${b}`);

const cluster = fc
  .record({
    nodes: fc.uniqueArray(nodeName, { minLength: 1, maxLength: 8 }),
    aliveMask: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    services: fc.array(fc.record({ ips: fc.array(ipv4, { minLength: 1, maxLength: 2 }), local: fc.boolean(), epMask: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }) }), {
      minLength: 1,
      maxLength: 12,
    }),
  })
  .map(({ nodes, aliveMask, services }): ElectionInput => ({
    nodes: nodes.map((name) => ({ name, labels: {}, conditions: [] })),
    alivePeers: new Set(nodes.filter((_, i) => aliveMask[i])),
    pools: [{ name: 'p', labels: {} }],
    l2Advertisements: [{ name: 'all' }],
    services: services.map(
      (s, i): ServiceInfo => ({
        key: `ns/s${i}`,
        ips: [...new Set(s.ips)],
        pool: 'p',
        externalTrafficPolicy: s.local ? 'Local' : 'Cluster',
        endpoints: nodes.filter((_, j) => s.epMask[j]).map((n) => ({ nodeName: n, ready: true })),
      }),
    ),
  }));

describe('election properties', () => {
  it('the owner is exactly one of the candidates, the first, whenever there are candidates', () => {
    fc.assert(
      fc.property(cluster, (input) => {
        for (const r of electAll(input).values()) {
          if (r.reason !== 'elected' && r.reason !== 'noCandidates') expect(r.owner).toBeNull();
          else if (r.candidates.length === 0) expect(r.owner).toBeNull();
          else {
            expect(r.owner).toBe(r.candidates[0]);
            expect(r.candidates.filter((c) => c === r.owner)).toHaveLength(1);
            for (const c of r.candidates) expect(input.alivePeers.has(c)).toBe(true);
          }
        }
      }),
    );
  });

  it('Services sharing any IP that are announced get the same owner', () => {
    fc.assert(
      fc.property(cluster, (input) => {
        const res = electAll(input);
        for (const a of input.services)
          for (const b of input.services) {
            if (!a.ips.some((ip) => b.ips.includes(ip))) continue;
            const ra = res.get(a.key);
            const rb = res.get(b.key);
            if (ra?.owner && rb?.owner) expect(ra.owner).toBe(rb.owner);
            expect(ra?.keyIp).toBe(rb?.keyIp);
          }
      }),
    );
  });

  it('removing a node that is not the owner never changes the owner (stability)', () => {
    fc.assert(
      fc.property(cluster, fc.nat(), (input, pick) => {
        const before = electAll(input);
        const alive = [...input.alivePeers];
        const victim = alive[pick % Math.max(1, alive.length)];
        if (victim === undefined) return;
        const after = electAll({ ...input, alivePeers: new Set(alive.filter((n) => n !== victim)) });
        for (const [key, r] of before) {
          if (r.owner !== null && r.owner !== victim) expect(after.get(key)?.owner).toBe(r.owner);
        }
      }),
    );
  });

  it('ownerFor ignores candidate order and duplicates', () => {
    fc.assert(
      fc.property(ipv4, fc.array(nodeName, { minLength: 1, maxLength: 10 }), (ip, names) => {
        const o = ownerFor(ip, names);
        expect(ownerFor(ip, [...names].reverse())).toBe(o);
        expect(ownerFor(ip, [...names, ...names])).toBe(o);
        expect(names).toContain(o);
      }),
    );
  });
});
