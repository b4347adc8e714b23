import { resolvePoolConfig } from '../api/pool-config.js';
import type { AddressPool, IPAddressPool } from '../api/types.js';
import { configurationErrors, desiredOwners, desiredStatus, stateObject, statusEqual } from './status.js';

const verdicts = (pools: IPAddressPool[], legacy: AddressPool[] = []) => resolvePoolConfig(pools, legacy, new Map()).verdicts;

describe('ConfigurationState status', () => {
  it('names the object per component, with MetalLB\'s labels', () => {
    expect(stateObject({ type: 'controller' })).toEqual({ name: 'controller', labels: { 'metallb.io/component-type': 'controller' } });
    expect(stateObject({ type: 'speaker', node: 'n1' })).toEqual({ name: 'speaker-n1', labels: { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': 'n1' } });
  });

  it('lists every invalid pool and advertisement by name, in a stable order', () => {
    const errors = configurationErrors(
      verdicts([
        { metadata: { name: 'good' }, spec: { addresses: ['192.0.2.0/28'] } },
        { metadata: { name: 'bad' }, spec: { addresses: ['192.0.2.300/32'] } },
      ]),
      [{ metadata: { name: 'adv' }, spec: { preferredNodeSelectors: [{ weight: 0, preference: {} }] } }],
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^IPAddressPool "bad": .*192\.0\.2\.300/);
    expect(errors[1]).toMatch(/^L2Advertisement "adv": .*weight must be an integer from 1 to 100/);
    expect(configurationErrors(verdicts([{ metadata: { name: 'good' }, spec: { addresses: ['192.0.2.0/28'] } }]), [])).toEqual([]);
  });

  it('names the pool whose change made an overlap, not the older one (as the pool statuses do)', () => {
    const spec = { addresses: ['192.0.2.0/29'] };
    // "good" is settled: its status says l2lb accepted this very spec. "bad" is new, created in
    // the same second, and would rank first by name.
    const good: IPAddressPool = { metadata: { name: 'good', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec, status: { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 8, availableIPv6: 0, lastValid: { uid: 'u1', spec } } };
    const bad: IPAddressPool = { metadata: { name: 'bad', uid: 'u2', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { addresses: ['192.0.2.4/30'] } };
    const errors = configurationErrors(verdicts([good, bad]), []);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^IPAddressPool "bad": .*overlaps/);
    // Without the status, age then name decides: "bad" sorts first and "good" is the one held.
    expect(configurationErrors(verdicts([{ ...good, status: undefined }, bad]), [])[0]).toMatch(/^IPAddressPool "good": /);
  });

  it('Valid without errors, Invalid with their summary; the transition time holds while the result does', () => {
    const valid = desiredStatus([], undefined, 't1');
    expect(valid).toEqual({
      result: 'Valid',
      errorSummary: '',
      conditions: [{ type: 'Valid', status: 'True', reason: 'ConfigurationValid', message: 'the configuration is valid', lastTransitionTime: 't1' }],
    });
    expect(desiredStatus([], valid, 't2')).toEqual(valid);
    const invalid = desiredStatus(['a', 'b'], valid, 't3');
    expect(invalid).toMatchObject({ result: 'Invalid', errorSummary: 'a; b', conditions: [{ status: 'False', reason: 'ConfigurationInvalid', message: 'a; b', lastTransitionTime: 't3' }] });
    expect(statusEqual(valid, desiredStatus([], valid, 't9'))).toBe(true);
    expect(statusEqual(valid, invalid)).toBe(false);
    expect(statusEqual(undefined, valid)).toBe(false);
    // Key order as the API server returns it does not matter.
    const c = valid.conditions[0]!;
    expect(statusEqual({ conditions: [{ lastTransitionTime: c.lastTransitionTime, message: c.message, reason: c.reason, status: c.status, type: c.type }], errorSummary: '', result: 'Valid' }, valid)).toBe(true);
  });

  it('owner: the writing Pod alone; nothing to change when it already is; no Pod leaves owners alone', () => {
    const pod = { name: 'speaker-abc', uid: 'u1' };
    const ref = { apiVersion: 'v1', kind: 'Pod', name: 'speaker-abc', uid: 'u1' };
    expect(desiredOwners(pod, undefined)).toEqual([ref]);
    expect(desiredOwners(pod, [ref])).toBeUndefined();
    expect(desiredOwners(pod, [{ ...ref, uid: 'u0' }])).toEqual([ref]); // a replaced Pod of the same name
    expect(desiredOwners(pod, [ref, { ...ref, name: 'other', uid: 'u2' }])).toEqual([ref]);
    expect(desiredOwners(undefined, [ref])).toBeUndefined();
  });
});
