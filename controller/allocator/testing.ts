// Test helpers shared by the allocator's unit, property and bench code (not a test file itself).
import { validatePools } from '../../shared/api/validate.js';
import type { IPAddressPoolSpec } from '../../shared/api/types.js';
import type { ValidPool } from '../../shared/api/validate.js';
import { formatIp, type IpAddress } from '../../shared/ip/address.js';
import { readServiceRequest, type ServiceRequest, type ServiceSpecLike } from './request.js';

export function makePools(defs: Record<string, IPAddressPoolSpec>, labels: Record<string, Record<string, string>> = {}): ValidPool[] {
  const v = validatePools(Object.entries(defs).map(([name, spec]) => ({ metadata: { name, labels: labels[name] ?? {} }, spec })));
  const bad = v.verdicts.filter((x) => !x.valid);
  if (bad.length > 0) throw new Error(bad.map((b) => b.errors.join('; ')).join('\n'));
  return [...v.pools];
}

export interface SvcOpts {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  namespaceLabels?: Record<string, string>;
  spec?: ServiceSpecLike;
  family?: 'v4' | 'v6' | 'dual' | 'dual6';
}

const CLUSTER_IPS = { v4: ['10.96.0.10'], v6: ['fd00::10'], dual: ['10.96.0.10', 'fd00::10'], dual6: ['fd00::10', '10.96.0.10'] };

export function makeService(name: string, o: SvcOpts = {}): ServiceRequest {
  const fam = o.family ?? 'v4';
  return readServiceRequest(
    {
      metadata: { namespace: o.namespace ?? 'default', name, labels: o.labels ?? {}, annotations: o.annotations ?? {} },
      spec: {
        type: 'LoadBalancer',
        clusterIPs: CLUSTER_IPS[fam],
        ipFamilies: fam === 'dual6' || fam === 'v6' ? ['IPv6', 'IPv4'].slice(0, fam === 'v6' ? 1 : 2) : ['IPv4', 'IPv6'].slice(0, fam === 'v4' ? 1 : 2),
        ipFamilyPolicy: fam.startsWith('dual') ? 'RequireDualStack' : 'SingleStack',
        ports: [{ port: 80, protocol: 'TCP' }],
        ...o.spec,
      },
    },
    o.namespaceLabels ?? {},
  );
}

export const texts = (ips: readonly IpAddress[]): string[] => ips.map(formatIp);
