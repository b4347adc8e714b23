// Certificates for the test control plane, made with the openssl CLI (no npm crypto package can
// issue X.509 certs, and openssl is on every machine). One CA signs everything: the API server's
// serving cert, client certs (admin = O=system:masters), and the ServiceAccount signing key pair.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SubjectAltNames {
  readonly ips: readonly string[];
  readonly dns: readonly string[];
}

/** The in-cluster names of the `kubernetes` Service, as kubeadm puts them in the serving cert. */
const KUBERNETES_DNS = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];

/**
 * SANs for the API server's serving certificate: loopback, the bind address, the first IP of
 * each Service CIDR (what in-cluster clients dial) and the caller's extras; IPs and DNS names
 * sorted apart, duplicates removed, order stable.
 */
export function servingSans(bindAddress: string, serviceIPs: readonly string[], extra: readonly string[] = []): SubjectAltNames {
  const ips: string[] = [];
  const dns: string[] = [];
  for (const s of ['127.0.0.1', '::1', bindAddress, ...serviceIPs, 'localhost', ...KUBERNETES_DNS, ...extra]) {
    const list = isIP(s) ? ips : dns;
    if (s !== '' && !list.includes(s)) list.push(s);
  }
  return { ips, dns };
}

export type CertUsage = 'server' | 'client';

/** An openssl x509 extension file (section `v3`) for a leaf certificate. */
export function renderExtensions(usage: CertUsage, sans?: SubjectAltNames): string {
  const lines = [
    '[v3]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    `extendedKeyUsage = ${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (sans && sans.ips.length + sans.dns.length > 0) {
    const alt = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((ip) => `IP:${ip}`)];
    lines.push(`subjectAltName = ${alt.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

/** `/O=a/O=b/CN=c` with the characters openssl's -subj treats specially escaped. */
export function renderSubject(cn: string, orgs: readonly string[] = []): string {
  const esc = (s: string): string => s.replace(/[\\/=+,]/g, (c) => `\\${c}`);
  return [...orgs.map((o) => `/O=${esc(o)}`), `/CN=${esc(cn)}`].join('');
}

export interface CertPaths {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly ca: CertPaths;
  readonly serving: CertPaths;
  readonly admin: CertPaths;
  readonly controllerManager: CertPaths;
  /** ServiceAccount token signing key pair (private key PEM, public key PEM). */
  readonly serviceAccount: { readonly key: string; readonly pub: string };
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A leaf certificate signed by `ca` (key and cert written to dir/name.{key,crt}). */
export async function leaf(dir: string, name: string, subject: string, usage: CertUsage, ca: CertPaths, sans?: SubjectAltNames): Promise<CertPaths> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, renderExtensions(usage, sans));
  await run('openssl', ['req', '-new', ...ecKey, '-keyout', key, '-out', csr, '-subj', subject]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key,
    // A random serial, not -CAcreateserial: the leaves are signed in parallel.
    '-set_serial', `0x${randomBytes(12).toString('hex')}`,
    '-days', '3650', '-sha256', '-extfile', ext, '-extensions', 'v3', '-out', cert]);
  return { cert, key };
}

/** Makes the whole PKI in `dir` (about 0.3 s: EC keys, one RSA key for ServiceAccount tokens). */
export async function makePki(dir: string, sans: SubjectAltNames): Promise<Pki> {
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await run('openssl', ['req', '-x509', ...ecKey, '-keyout', ca.key, '-out', ca.cert, '-days', '3650', '-sha256',
    '-subj', renderSubject('l2lb-testenv-ca'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  const [serving, admin, controllerManager] = await Promise.all([
    leaf(dir, 'apiserver', renderSubject('kube-apiserver'), 'server', ca, sans),
    leaf(dir, 'admin', renderSubject('l2lb-admin', ['system:masters']), 'client', ca),
    leaf(dir, 'controller-manager', renderSubject('system:kube-controller-manager'), 'client', ca),
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', saKey]),
  ]);
  await run('openssl', ['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  return { ca, serving, admin, controllerManager, serviceAccount: { key: saKey, pub: saPub } };
}
