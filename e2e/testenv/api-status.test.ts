import { ApiException } from '@kubernetes/client-node';
import { apiStatus, expectApiError } from './api-status.js';

test('parses the Status a failed call carries as a JSON string body', () => {
  const e = new ApiException(403, 'Forbidden', JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'no', code: 403 }), {});
  expect(apiStatus(e)).toEqual({ code: 403, reason: 'Forbidden', message: 'no' });
});

test('a non-JSON body becomes the message; other errors are not API errors', () => {
  expect(apiStatus(new ApiException(502, 'x', 'bad gateway', {}))).toEqual({ code: 502, reason: '', message: 'bad gateway' });
  expect(apiStatus(new Error('x'))).toBeUndefined();
});

test('expectApiError fails when the call succeeds and rethrows non-API errors', async () => {
  await expect(expectApiError(async () => ({ ok: true }))).rejects.toThrow('expected an API error');
  await expect(expectApiError(async () => Promise.reject(new TypeError('boom')))).rejects.toThrow('boom');
});
