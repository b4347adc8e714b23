import { ApiError, apiErrorFrom, apiStatus, describeApiError, parseRetryAfter, TransportError } from './api-error.js';

describe('API errors', () => {
  it.each([
    ['a Status', 409, JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'the object has been modified' }), 'Conflict', 'the object has been modified'],
    ['JSON without a message', 500, '{"kind":"Status"}', '', '{"kind":"Status"}'],
    ['not JSON', 502, '<html>Bad Gateway</html>\n', '', '<html>Bad Gateway</html>'],
    ['an empty body', 403, '', '', ''],
  ])('from %s', (_what, status, body, reason, message) => {
    const e = apiErrorFrom(status, body, 'PUT', '/api/v1/x');
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.reason, e.statusMessage]).toEqual([status, reason, message]);
    expect(apiStatus(e)).toBe(status);
    expect(describeApiError(e)).toBe(`HTTP ${status}: ${message}`);
    expect(e.message).toContain('PUT /api/v1/x: HTTP');
  });

  it('has no status for a transport error, and says which call failed', () => {
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const e = new TransportError('GET', '/api/v1/nodes', cause);
    expect(apiStatus(e)).toBeUndefined();
    expect(describeApiError(e)).toBe('GET /api/v1/nodes: read ECONNRESET');
    expect(e.cause).toBe(cause);
  });

  it.each([
    ['an error without a message, with a code', Object.assign(new Error(''), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['an error without a message or code', new AggregateError([], ''), 'AggregateError'],
    ['a string', 'boom', 'boom'],
  ])('describes %s', (_what, err, want) => {
    expect(describeApiError(err)).toBe(want);
  });

  it.each([
    [{ code: 404 }, 404],
    [{ statusCode: 410 }, 410],
    [{ code: 'ENOTFOUND' }, undefined],
    ['text', undefined],
  ])('apiStatus(%j) of other errors', (err, want) => {
    expect(apiStatus(err)).toBe(want);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['1', 1],
    [' 30 ', 30],
    [['2', '3'], 2],
    [undefined, undefined],
    ['', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['Wed, 21 Oct 2015 07:28:00 GMT', undefined],
  ])('%j', (header, seconds) => {
    expect(parseRetryAfter(header)).toBe(seconds);
  });
});
