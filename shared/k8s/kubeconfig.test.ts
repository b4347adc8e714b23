import { inClusterConnection } from './in-cluster.js';
import { connectionFromKubeconfig, connectionFromKubeconfigs, KubeconfigError } from './kubeconfig.js';

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
    ['a socks proxy-url', doc({ 'proxy-url': 'socks5://proxy:1080' }), 'only http:// proxies (HTTP CONNECT) are supported'],
    ['insecure not a boolean', doc({ 'insecure-skip-tls-verify': 'yes' }), 'must be true or false'],
    ['an exec plugin of the alpha API', doc({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'aws' } }), 'apiVersion "client.authentication.k8s.io/v1alpha1" is not supported'],
    ['an exec plugin without a command', doc({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1' } }), 'command is required'],
    ['an interactive exec plugin', doc({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Always' } }), 'needs a terminal'],
    ['auth-provider', doc({}, { 'auth-provider': { name: 'oidc' } }), 'auth-provider plugins were removed from kubectl and client-go in Kubernetes 1.26'],
    ['basic auth', doc({}, { username: 'a', password: 'b' }), 'basic authentication is not supported'],
    ['impersonation', doc({}, { token: 't', as: 'admin' }), 'impersonation is not supported'],
    ['certificate without key', doc({}, { 'client-certificate-data': b64('C') }), 'go together'],
    ['bad base64', doc({ 'certificate-authority-data': 'not base64!' }), 'is not base64'],
    ['token not a string', doc({}, { token: 42 }), 'token must be a string'],
  ])('refuses %s', (_what, input, message) => {
    expect(() => connectionFromKubeconfig(input, '/')).toThrow(KubeconfigError);
    expect(() => connectionFromKubeconfig(input, '/')).toThrow(message);
  });
});

describe('exec plugins and proxies', () => {
  it('reads an exec plugin: command (relative to the kubeconfig when it has a slash), args, env, cluster info', () => {
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: './bin/get-token', args: ['--cluster', 'c'], env: [{ name: 'REGION', value: 'eu' }], provideClusterInfo: true, interactiveMode: 'Never' };
    const spec = connectionFromKubeconfig(doc({ 'certificate-authority-data': b64('CA') }, { exec }), '/etc/kube');
    expect(spec.token).toBeUndefined();
    expect(spec.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: '/etc/kube/bin/get-token',
      args: ['--cluster', 'c'],
      env: { REGION: 'eu' },
      cluster: { server: 'https://10.0.0.1:6443', caData: Buffer.from('CA'), insecureSkipTlsVerify: false },
    });
    expect(connectionFromKubeconfig(doc({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws' } }), '/').exec).toEqual({ apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: [], env: {} });
  });

  it('lets a static token win over an exec plugin, as client-go does', () => {
    const spec = connectionFromKubeconfig(doc({}, { token: 't', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } }), '/');
    expect(spec.token).toEqual({ value: 't' });
    expect(spec).not.toHaveProperty('exec');
  });

  it('keeps an http:// proxy-url', () => {
    expect(connectionFromKubeconfig(doc({ 'proxy-url': 'http://user:pw@proxy:3128' }), '/').proxyUrl).toBe('http://user:pw@proxy:3128');
  });
});

describe('several kubeconfig files (KUBECONFIG=a:b) and --context', () => {
  const a = {
    'current-context': 'dev',
    contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev' } }],
    clusters: [{ name: 'dev', cluster: { server: 'https://dev:6443', 'certificate-authority': 'dev-ca.crt' } }],
    users: [{ name: 'dev', user: { tokenFile: 'dev-token' } }],
  };
  const b = {
    'current-context': 'prod',
    contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'prod' } }, { name: 'dev', context: { cluster: 'prod', user: 'prod' } }],
    clusters: [{ name: 'prod', cluster: { server: 'https://prod:6443', 'certificate-authority': 'prod-ca.crt' } }, { name: 'dev', cluster: { server: 'https://shadowed:6443' } }],
    users: [{ name: 'prod', user: { tokenFile: 'prod-token' } }],
  };
  const files = [
    { doc: a, baseDir: '/home/a' },
    { doc: b, baseDir: '/etc/b' },
  ];

  it('takes the first current-context, and the first definition of each name', () => {
    expect(connectionFromKubeconfigs(files)).toEqual({ server: 'https://dev:6443', ca: { file: '/home/a/dev-ca.crt' }, token: { file: '/home/a/dev-token' }, insecureSkipTlsVerify: false });
  });

  it('resolves relative paths against the file that defined the entry', () => {
    expect(connectionFromKubeconfigs(files, 'prod')).toEqual({ server: 'https://prod:6443', ca: { file: '/etc/b/prod-ca.crt' }, token: { file: '/etc/b/prod-token' }, insecureSkipTlsVerify: false });
  });

  it('takes current-context from a later file when the first has none', () => {
    expect(connectionFromKubeconfigs([{ doc: { ...a, 'current-context': undefined }, baseDir: '/home/a' }, files[1]!]).server).toBe('https://prod:6443');
  });

  it('--context overrides current-context, and an unknown one is an error', () => {
    // The override took context "other", whose cluster does not exist.
    expect(() => connectionFromKubeconfig(doc(), '/', 'other')).toThrow('cluster "nope" not found');
    expect(() => connectionFromKubeconfigs(files, 'staging')).toThrow('context "staging" not found');
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
