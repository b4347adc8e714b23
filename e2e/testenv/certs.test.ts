import { renderExtensions, renderSubject, servingSans } from './certs.js';

describe('servingSans', () => {
  test('loopback, bind address, Service IPs and the kubernetes names, IPs apart from DNS names', () => {
    expect(servingSans('127.0.0.1', ['10.96.0.1', 'fd00:10:96::1'])).toEqual({
      ips: ['127.0.0.1', '::1', '10.96.0.1', 'fd00:10:96::1'],
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    });
  });

  test('a lab bind address and extras are added once, in order', () => {
    const sans = servingSans('192.0.2.254', ['10.96.0.1'], ['2001:db8::fe', 'api.lab.test', '192.0.2.254', 'localhost', '']);
    expect(sans.ips).toEqual(['127.0.0.1', '::1', '192.0.2.254', '10.96.0.1', '2001:db8::fe']);
    expect(sans.dns).toContain('api.lab.test');
    expect(sans.dns.filter((d) => d === 'localhost')).toHaveLength(1);
    expect(sans.dns).not.toContain('');
  });
});

describe('renderExtensions', () => {
  test('a server certificate carries serverAuth and every SAN', () => {
    const ext = renderExtensions('server', { ips: ['127.0.0.1', '::1'], dns: ['localhost'] });
    expect(ext).toContain('[v3]\n');
    expect(ext).toContain('extendedKeyUsage = serverAuth');
    expect(ext).toContain('basicConstraints = critical, CA:FALSE');
    expect(ext).toContain('subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1\n');
  });

  test('a client certificate has clientAuth and no SAN line', () => {
    const ext = renderExtensions('client');
    expect(ext).toContain('extendedKeyUsage = clientAuth');
    expect(ext).not.toContain('subjectAltName');
  });
});

describe('renderSubject', () => {
  test('organisations (RBAC groups) before the common name (user)', () => {
    expect(renderSubject('l2lb-admin', ['system:masters'])).toBe('/O=system:masters/CN=l2lb-admin');
  });
  test('escapes the characters -subj treats specially', () => {
    expect(renderSubject('a/b=c', ['x+y,z'])).toBe('/O=x\\+y\\,z/CN=a\\/b\\=c');
  });
});
