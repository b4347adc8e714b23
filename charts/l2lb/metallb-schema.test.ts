// Our CRDs hold every field MetalLB v0.16.2's CRDs have, with the same type: a MetalLB user's YAML
// must apply unchanged, and a field missing from a structural schema is silently pruned by the API
// server (the object applies, but means something else). The field list, one
// `KIND VERSION PATH TYPE` per line, was taken from MetalLB's published CRDs and is kept here as
// test data; extra fields of ours (conditions, printer columns) are allowed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1CustomResourceDefinition, V1JSONSchemaProps } from '@kubernetes/client-node';
import { loadCrds } from '../../e2e/testenv/crds.js';
import { repoRoot } from '../../e2e/testenv/tools.js';
import { fieldTypes } from './schema-fields.js';

interface MetalLBField {
  readonly kind: string;
  readonly version: string;
  readonly path: string;
  readonly type: string;
}

function metallbFields(): MetalLBField[] {
  const text = readFileSync(join(repoRoot(), 'charts/l2lb/testdata/metallb-v0.16.2-crd-fields.txt'), 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [kind = '', version = '', path = '', type = ''] = l.split(/\s+/);
      return { kind, version, path, type };
    });
}

let ours: Map<string, Map<string, string>>;
beforeAll(async () => {
  const crds: V1CustomResourceDefinition[] = await loadCrds(join(repoRoot(), 'charts/l2lb/crds'));
  ours = new Map();
  for (const crd of crds) {
    for (const v of crd.spec.versions) {
      const schema = v.schema?.openAPIV3Schema as V1JSONSchemaProps | undefined;
      ours.set(`${crd.spec.names.kind} ${v.name}`, schema ? fieldTypes(schema) : new Map());
    }
  }
});

describe("MetalLB v0.16.2's CRD fields", () => {
  const fields = metallbFields();
  it('the reference list is there and covers every kind we serve from it', () => {
    expect(new Set(fields.map((f) => f.kind))).toEqual(new Set(['ConfigurationState', 'IPAddressPool', 'L2Advertisement', 'ServiceL2Status']));
    expect(fields.length).toBeGreaterThan(60);
  });

  it.each(fields.map((f) => [`${f.kind} ${f.path}`, f] as const))('%s exists in our CRD with the same type', (_name, f) => {
    const kind = ours.get(`${f.kind} ${f.version}`);
    expect({ kind: f.kind, served: kind !== undefined }).toEqual({ kind: f.kind, served: true });
    expect({ path: f.path, type: kind?.get(f.path) }).toEqual({ path: f.path, type: f.type });
  });
});
