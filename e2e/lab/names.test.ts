import { FIXED_RUN_ID, isValidRunId, newRunId, planLab, TEST_NS_PATTERN } from './names.js';

describe('lab names', () => {
  test('a test lab carries its run id in every namespace name', () => {
    const plan = planLab('ab12cd', 2);
    expect([plan.bridgeNs, plan.client.ns, ...plan.nodes.map((n) => n.ns)]).toEqual(['l2lb-ab12cd-br', 'l2lb-ab12cd-c', 'l2lb-ab12cd-n1', 'l2lb-ab12cd-n2']);
    for (const ns of [plan.bridgeNs, plan.client.ns, ...plan.nodes.map((n) => n.ns)]) expect(TEST_NS_PATTERN.exec(ns)?.[1]).toBe('ab12cd');
  });

  test("the people's lab has fixed names the sweep never matches", () => {
    const plan = planLab(FIXED_RUN_ID, 3);
    expect(plan.nodes.map((n) => n.ns)).toEqual(['l2lb-node1', 'l2lb-node2', 'l2lb-node3']);
    expect(plan.client.ns).toBe('l2lb-client');
    expect(plan.bridgeNs).toBe('l2lb-br');
    for (const ns of [plan.bridgeNs, plan.client.ns, ...plan.nodes.map((n) => n.ns)]) expect(TEST_NS_PATTERN.test(ns)).toBe(false);
  });

  test('addresses and MACs are predictable and distinct', () => {
    const plan = planLab('zzzz', 50);
    const eps = [...plan.nodes, plan.client];
    expect(plan.nodes[0]).toMatchObject({ ipv4: '192.0.2.1', ipv6: '2001:db8::1', mac: '02:1b:00:00:00:01', bridgePort: 'n1' });
    expect(plan.client).toMatchObject({ ipv4: '192.0.2.100', ipv6: '2001:db8::100', mac: '02:1b:00:00:00:64' });
    expect(new Set(eps.map((e) => e.ipv4)).size).toBe(eps.length);
    expect(new Set([...eps.map((e) => e.mac), plan.bridgeMac]).size).toBe(eps.length + 1);
  });

  test.each([
    ['AB12', false],
    ['ab1', false],
    ['ab12cd34e', false],
    ['ab-12', false],
    ['ab12', true],
    [FIXED_RUN_ID, true],
  ])('run id %s valid: %s', (id, ok) => {
    expect(isValidRunId(id)).toBe(ok);
  });

  test('bad node counts and run ids are refused', () => {
    expect(() => planLab('ab12', 0)).toThrow(RangeError);
    expect(() => planLab('ab12', 51)).toThrow(RangeError);
    expect(() => planLab('../x', 1)).toThrow(RangeError);
  });

  test('new run ids are valid', () => {
    for (let i = 0; i < 100; i++) expect(isValidRunId(newRunId())).toBe(true);
    expect(newRunId(() => 0.999)).toBe('zzzzzz');
  });
});
