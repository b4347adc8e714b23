import { SPREAD_ANNOTATION, spreadSetting } from './settings.js';

const a = (v: string): Record<string, string> => ({ [SPREAD_ANNOTATION]: v });

describe('spreadSetting', () => {
  it.each([
    ['nothing set', undefined, undefined, { enabled: false, source: 'default' }],
    ['Service on', a('true'), undefined, { enabled: true, source: 'service' }],
    ['Service on, any case and spaces', a(' True '), undefined, { enabled: true, source: 'service' }],
    ['Service off beats pool on', a('false'), a('true'), { enabled: false, source: 'service' }],
    ['Service on beats pool off', a('true'), a('false'), { enabled: true, source: 'service' }],
    ['pool default on', {}, a('true'), { enabled: true, source: 'pool' }],
    ['pool default off', undefined, a('false'), { enabled: false, source: 'pool' }],
  ])('%s', (_what, svc, pool, want) => {
    expect(spreadSetting(svc, pool, 'p')).toEqual(want);
  });

  it('a bad Service value is off, says why, and is not overridden by the pool', () => {
    const s = spreadSetting(a('yes'), a('true'), 'p');
    expect(s).toMatchObject({ enabled: false, source: 'service' });
    expect(s.error).toContain('the Service annotation l2lb.io/spread-flows="yes"');
  });

  it('a bad pool value is off and names the pool', () => {
    const s = spreadSetting(undefined, a('1'), 'blue');
    expect(s).toMatchObject({ enabled: false, source: 'pool' });
    expect(s.error).toContain('IPAddressPool blue');
  });
});
