// Flattens a CRD's openAPIV3Schema into `path -> type`, the notation of MetalLB's field list:
// `spec.a.b` for object properties, `[]` for array items, top-level metadata fields left out.
import type { V1JSONSchemaProps } from '@kubernetes/client-node';

export function fieldTypes(root: V1JSONSchemaProps): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (schema: V1JSONSchemaProps, path: string): void => {
    if (path !== '' && schema.type !== undefined) out.set(path, schema.type);
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      if (path === '' && ['apiVersion', 'kind', 'metadata'].includes(name)) continue;
      walk(child, path === '' ? name : `${path}.${name}`);
    }
    if (schema.items !== undefined && !Array.isArray(schema.items)) walk(schema.items as V1JSONSchemaProps, `${path}[]`);
  };
  walk(root, '');
  return out;
}
