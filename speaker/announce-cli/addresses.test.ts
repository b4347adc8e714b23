import { parseAnnounceAddresses } from './addresses.js';

describe('announce addresses', () => {
  test.each(['192.0.2.200', '10.0.0.1', '2001:db8::200', 'fe80::1'])('accepts %s', (a) => {
    expect(parseAnnounceAddresses([a]).ok).toBe(true);
  });
  test.each([
    ['192.0.2.300', 'not an IPv4 or IPv6 address'],
    ['0.0.0.0', 'not a unicast address'],
    ['127.0.0.1', 'not a unicast address'],
    ['224.0.0.1', 'not a unicast address'],
    ['255.255.255.255', 'not a unicast address'],
    ['::', 'not a unicast address'],
    ['::1', 'not a unicast address'],
    ['ff02::1', 'not a unicast address'],
  ])('rejects %s', (a, msg) => {
    const r = parseAnnounceAddresses([a]);
    expect(!r.ok && r.error).toContain(msg);
  });
  test('needs at least one', () => {
    expect(parseAnnounceAddresses([])).toEqual({ ok: false, error: '--ip is required (one or more addresses)' });
  });
});
