import { ApiError, TransportError } from './api-error.js';
import { listFrom, retryPlan } from './retry-plan.js';

const api = (status: number, retryAfterSeconds?: number): ApiError => new ApiError(status, '', 'm', 'GET', '/api/v1/pods', retryAfterSeconds);

describe('retryPlan', () => {
  it.each([
    ['connection refused', new TransportError('GET', '/p', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), { relist: false, minDelayMs: 0 }],
    ['a reset mid-watch', new TransportError('WATCH', '/p', new Error('connection closed mid-watch')), { relist: false, minDelayMs: 0 }],
    ['429 with Retry-After', api(429, 3), { relist: false, minDelayMs: 3000 }],
    ['429 without', api(429), { relist: false, minDelayMs: 0 }],
    ['503 with Retry-After', api(503, 1), { relist: false, minDelayMs: 1000 }],
    ['500', api(500), { relist: false, minDelayMs: 0 }],
    ['403', api(403), { relist: true, minDelayMs: 0 }],
    ['401', api(401), { relist: true, minDelayMs: 0 }],
    ['404', api(404), { relist: true, minDelayMs: 0 }],
  ])('%s', (_what, err, plan) => {
    expect(retryPlan(err)).toEqual(plan);
  });
});

describe('listFrom', () => {
  it.each([
    ['the first list: any version from the watch cache', undefined, undefined, { resourceVersion: '0' }],
    ['a relist: not older than what was seen', '42', undefined, { resourceVersion: '42', resourceVersionMatch: 'NotOlderThan' }],
    ['after a 403 on the last list: still from the cache', '42', api(403), { resourceVersion: '42', resourceVersionMatch: 'NotOlderThan' }],
    ['after 410 on the last list: quorum', '42', api(410), { resourceVersion: '' }],
    ['after 504 (cache too far behind): quorum', '42', api(504), { resourceVersion: '' }],
  ])('%s', (_what, seen, err, from) => {
    expect(listFrom(seen, err)).toEqual(from);
  });
});
