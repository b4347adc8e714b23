import { KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig, serverUrl } from './kubeconfig.js';

const caPem = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';

test('a client-certificate kubeconfig loads into client-node with embedded credentials', () => {
  const kc = new KubeConfig();
  kc.loadFromString(
    renderKubeconfig({ server: 'https://127.0.0.1:6443', caPem, user: 'l2lb-admin', credentials: { kind: 'cert', certPem: 'CERT', keyPem: 'KEY' } }),
  );
  expect(kc.getCurrentContext()).toBe('l2lb-testenv');
  expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  expect(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString()).toBe(caPem);
  const user = kc.getCurrentUser();
  expect(user?.name).toBe('l2lb-admin');
  expect(Buffer.from(user?.certData ?? '', 'base64').toString()).toBe('CERT');
  expect(Buffer.from(user?.keyData ?? '', 'base64').toString()).toBe('KEY');
});

test('a token kubeconfig names the user and sets the default namespace', () => {
  const text = renderKubeconfig({
    server: 'https://[fd00::1]:6443',
    caPem,
    user: 'system:serviceaccount:ns1:sa1',
    namespace: 'ns1',
    name: 'lab',
    credentials: { kind: 'token', token: 'tok' },
  });
  const kc = new KubeConfig();
  kc.loadFromString(text);
  expect(kc.getCurrentUser()?.token).toBe('tok');
  expect(kc.getContextObject('lab')?.namespace).toBe('ns1');
  expect(text).not.toContain('client-certificate');
});

test('serverUrl brackets IPv6 literals', () => {
  expect(serverUrl('127.0.0.1', 6443)).toBe('https://127.0.0.1:6443');
  expect(serverUrl('2001:db8::1', 6443)).toBe('https://[2001:db8::1]:6443');
});
