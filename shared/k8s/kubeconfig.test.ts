import { inClusterConnection } from './in-cluster.js';
import { connectionFromKubeconfig, KubeconfigError } from './kubeconfig.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A kubeconfig with one context; `cluster` and `user` replace the defaults' fields. */
function doc(cluster: Record<string, unknown> = {}, user: Record<string, unknown> = { token: 't0k' }): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    contexts: [{ name: 'other', context: { cluster: 'nope', user: 'nope' } }, { name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
  };
}

describe('connectionFromKubeconfig', () => {
  it('reads the current context: server, inline CA, token', () => {
    const spec = connectionFromKubeconfig(doc({ 'certificate-authority-data': b64('CA PEM') }), '/etc/kube');
    expect(spec.server).toBe('https://10.0.0.1:6443');
    expect(spec.ca).toEqual({ data: Buffer.from('CA PEM') });
    expect(spec.token).toEqual({ value: 't0k' });
    expect(spec.insecureSkipTlsVerify).toBe(false);
    expect(spec.clientCert).toBeUndefined();
  });

  it.each([
    ['relative CA file, tokenFile', { 'certificate-authority': 'ca.crt' }, { tokenFile: 'tok' }, { ca: { file: '/etc/kube/ca.crt' }, token: { file: '/etc/kube/tok' } }],
    ['absolute files', { 'certificate-authority': '/pki/ca.crt' }, { tokenFile: '/run/tok' }, { ca: { file: '/pki/ca.crt' }, token: { file: '/run/tok' } }],
    ['inline token wins over tokenFile', {}, { token: 'a', tokenFile: '/run/tok' }, { token: { value: 'a' } }],
    ['client certificate data', {}, { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }, { clientCert: { data: Buffer.from('CERT') }, clientKey: { data: Buffer.from('KEY') } }],
    ['client certificate files', {}, { 'client-certificate': 'c.crt', 'client-key': '/k.key' }, { clientCert: { file: '/etc/kube/c.crt' }, clientKey: { file: '/k.key' } }],
    ['-data wins over the file', { 'certificate-authority': 'ca.crt', 'certificate-authority-data': b64('X') }, { token: 't' }, { ca: { data: Buffer.from('X') } }],
    ['TLS options', { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kubernetes.default' }, { token: 't' }, { insecureSkipTlsVerify: true, tlsServerName: 'kubernetes.default' }],
  ])('%s', (_what, cluster, user, want) => {
    expect(connectionFromKubeconfig(doc(cluster, user), '/etc/kube')).toMatchObject(want);
  });

  it('allows no credentials at all (a server that needs none, e.g. behind kubectl proxy)', () => {
    expect(connectionFromKubeconfig(doc({}, {}), '/')).toEqual({ server: 'https://10.0.0.1:6443', insecureSkipTlsVerify: false });
  });

  it('keeps a server URL with a path prefix and an IPv6 literal as written', () => {
    expect(connectionFromKubeconfig(doc({ server: 'https://[fd00::1]:6443/k8s/clusters/c-1' }), '/').server).toBe('https://[fd00::1]:6443/k8s/clusters/c-1');
  });

  it.each([
    ['not a map', 'clusters: []', 'expected a YAML map'],
    ['no current-context', { ...doc(), 'current-context': undefined }, 'no current-context'],
    ['unknown context', { ...doc(), 'current-context': 'missing' }, 'context "missing" not found'],
    ['unknown cluster', { ...doc(), clusters: [] }, 'cluster "c" not found'],
    ['no server', doc({ server: undefined }), 'has no server'],
    ['server not a URL', doc({ server: '10.0.0.1:6443' }), 'not a URL'],
    ['server not http(s)', doc({ server: 'ftp://x' }), 'https:// or http://'],
    ['proxy-url', doc({ 'proxy-url': 'http://proxy:3128' }), 'proxy-url is not supported'],
    ['insecure not a boolean', doc({ 'insecure-skip-tls-verify': 'yes' }), 'must be true or false'],
    ['exec plugin', doc({}, { exec: { command: 'aws' } }), 'exec is not supported (supported: token, tokenFile, client-certificate(-data) + client-key(-data))'],
    ['auth-provider', doc({}, { 'auth-provider': { name: 'oidc' } }), 'auth-provider is not supported'],
    ['basic auth', doc({}, { username: 'a', password: 'b' }), 'username is not supported'],
    ['certificate without key', doc({}, { 'client-certificate-data': b64('C') }), 'go together'],
    ['bad base64', doc({ 'certificate-authority-data': 'not base64!' }), 'is not base64'],
    ['token not a string', doc({}, { token: 42 }), 'token must be a string'],
  ])('refuses %s', (_what, input, message) => {
    expect(() => connectionFromKubeconfig(input, '/')).toThrow(KubeconfigError);
    expect(() => connectionFromKubeconfig(input, '/')).toThrow(message);
  });
});

describe('inClusterConnection', () => {
  it.each([
    ['IPv4', '10.96.0.1', 'https://10.96.0.1:443'],
    ['IPv6 (bracketed in the URL)', 'fd00:96::1', 'https://[fd00:96::1]:443'],
  ])('%s service host', (_what, host, server) => {
    const spec = inClusterConnection({ KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: '443' }, '/sa');
    expect(spec).toEqual({ server, ca: { file: '/sa/ca.crt' }, token: { file: '/sa/token' }, insecureSkipTlsVerify: false });
  });
  it('says to pass --kubeconfig outside a cluster', () => {
    expect(() => inClusterConnection({})).toThrow('pass --kubeconfig');
  });
});
