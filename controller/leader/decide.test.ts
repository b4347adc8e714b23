import { decideLease, observe, type LeaseRecord } from './decide.js';

const other: LeaseRecord = { holder: 'b', fingerprint: 'b@1', durationMs: 15_000 };

describe('decideLease', () => {
  it.each([
    ['no lease: create', undefined, undefined, 'a', 0, { kind: 'create' }],
    ['our lease: renew', { ...other, holder: 'a' }, undefined, 'a', 0, { kind: 'renew' }],
    ['released lease: take it', { ...other, holder: '' }, undefined, 'a', 0, { kind: 'takeover', previousHolder: '' }],
    ['first sight of a held lease: wait a full duration', other, undefined, 'a', 100, { kind: 'wait', holder: 'b', expiresInMs: 15_000 }],
    ['unchanged for less than the duration: wait', other, { fingerprint: 'b@1', seenAt: 0 }, 'a', 14_999, { kind: 'wait', holder: 'b', expiresInMs: 1 }],
    ['unchanged for the duration: take over', other, { fingerprint: 'b@1', seenAt: 0 }, 'a', 15_000, { kind: 'takeover', previousHolder: 'b' }],
    ['renewed since we looked: wait again', { ...other, fingerprint: 'b@2' }, { fingerprint: 'b@1', seenAt: 0 }, 'a', 20_000, { kind: 'wait', holder: 'b', expiresInMs: 15_000 }],
  ] as const)('%s', (_name, record, obs, identity, now, want) => {
    expect(decideLease(record, obs, identity, now)).toEqual(want);
  });
});

describe('observe', () => {
  it('keeps the first time a fingerprint was seen and restarts the clock on change', () => {
    const o1 = observe(other, undefined, 10);
    expect(o1).toEqual({ fingerprint: 'b@1', seenAt: 10 });
    expect(observe(other, o1, 500)).toBe(o1);
    expect(observe({ ...other, fingerprint: 'b@2' }, o1, 900)).toEqual({ fingerprint: 'b@2', seenAt: 900 });
    expect(observe(undefined, o1, 900)).toBeUndefined();
  });
});
