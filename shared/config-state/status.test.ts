import { configurationErrors, desiredStatus, stateObject, statusEqual } from './status.js';

describe('ConfigurationState status', () => {
  it('names the object per component, with MetalLB\'s labels', () => {
    expect(stateObject({ type: 'controller' })).toEqual({ name: 'controller', labels: { 'metallb.io/component-type': 'controller' } });
    expect(stateObject({ type: 'speaker', node: 'n1' })).toEqual({ name: 'speaker-n1', labels: { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': 'n1' } });
  });

  it('lists every invalid pool and advertisement by name, in a stable order', () => {
    const errors = configurationErrors(
      [
        { metadata: { name: 'good' }, spec: { addresses: ['192.0.2.0/28'] } },
        { metadata: { name: 'bad' }, spec: { addresses: ['192.0.2.300/32'] } },
      ],
      [],
      [{ metadata: { name: 'adv' }, spec: { preferredNodeSelectors: [{ weight: 0, preference: {} }] } }],
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^IPAddressPool "bad": .*192\.0\.2\.300/);
    expect(errors[1]).toMatch(/^L2Advertisement "adv": .*weight must be an integer from 1 to 100/);
    expect(configurationErrors([{ metadata: { name: 'good' }, spec: { addresses: ['192.0.2.0/28'] } }], [], [])).toEqual([]);
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
});
