// The component flags: what the tests rely on is spelled out, so a refactor cannot drop it silently.
import { apiServerArgs, SERVICE_CIDRS } from './apiserver.js';
import type { Pki } from './certs.js';
import { CONTROLLERS, controllerManagerArgs } from './controller-manager.js';
import { etcdArgs } from './etcd.js';
import { parseToolLines } from './tools.js';

const pki: Pki = {
  ca: { cert: '/d/ca.crt', key: '/d/ca.key' },
  serving: { cert: '/d/apiserver.crt', key: '/d/apiserver.key' },
  admin: { cert: '/d/admin.crt', key: '/d/admin.key' },
  controllerManager: { cert: '/d/cm.crt', key: '/d/cm.key' },
  serviceAccount: { key: '/d/sa.key', pub: '/d/sa.pub' },
};

test('kube-apiserver: RBAC, dual-stack Service ranges, bind = advertise address, SA keys', () => {
  const args = apiServerArgs({ etcdUrl: 'http://127.0.0.1:2379', bindAddress: '192.0.2.254', port: 6443, pki, certDir: '/d/c' });
  expect(args).toEqual(
    expect.arrayContaining([
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--bind-address=192.0.2.254',
      '--advertise-address=192.0.2.254',
      '--secure-port=6443',
      `--service-cluster-ip-range=${SERVICE_CIDRS.join(',')}`,
      '--client-ca-file=/d/ca.crt',
      '--service-account-key-file=/d/sa.pub',
      '--service-account-signing-key-file=/d/sa.key',
    ]),
  );
  expect(SERVICE_CIDRS).toEqual(['10.96.0.0/16', 'fd00:10:96::/108']);
});

test('etcd: loopback only, no fsync, data in the run dir', () => {
  const args = etcdArgs('/d/etcd', 2379, 2380);
  expect(args).toContain('--unsafe-no-fsync');
  expect(args).toContain('--data-dir=/d/etcd');
  expect(args.filter((a) => a.includes('://')).every((a) => a.includes('http://127.0.0.1:'))).toBe(true);
});

test('kube-controller-manager: the controllers the tests need, no node lifecycle, no leader election', () => {
  const args = controllerManagerArgs({ binary: 'kcm', dir: '/d', kubeconfigPath: '/d/cm.kubeconfig', caCertPath: '/d/ca.crt', serviceAccountKeyPath: '/d/sa.key', port: 10257 });
  expect(args).toContain(`--controllers=${CONTROLLERS.join(',')}`);
  expect(CONTROLLERS).toEqual(expect.arrayContaining(['endpointslice-controller', 'namespace-controller', 'garbage-collector-controller', 'serviceaccount-controller', 'serviceaccount-token-controller']));
  expect(CONTROLLERS.join(',')).not.toContain('node-lifecycle');
  expect(args).toContain('--leader-elect=false');
  expect(args).toContain('--root-ca-file=/d/ca.crt');
  expect(args).toContain('--service-account-private-key-file=/d/sa.key');
});

test('build.sh --print lines parse into tool paths', () => {
  const m = parseToolLines('KUBE_APISERVER=/c/k/bin/kube-apiserver\nETCD=/c/e/bin/etcd\n[tools] noise\n\n');
  expect(m.get('KUBE_APISERVER')).toBe('/c/k/bin/kube-apiserver');
  expect(m.get('ETCD')).toBe('/c/e/bin/etcd');
  expect(m.size).toBe(2);
});
