// values.yaml is the chart's user manual and values.schema.json its contract: every key in
// values.yaml has a comment, and the two describe the same keys (a key missing from the schema
// would be rejected as unknown; a schema key missing from values.yaml would be undocumented).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isPair, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { chartDir } from './render.js';

interface Schema {
  readonly type?: string | string[];
  readonly properties?: Record<string, Schema>;
  readonly additionalProperties?: boolean | Schema;
  readonly $ref?: string;
  readonly definitions?: Record<string, Schema>;
}

const schema = JSON.parse(readFileSync(join(chartDir(), 'values.schema.json'), 'utf8')) as Schema;
const doc = parseDocument(readFileSync(join(chartDir(), 'values.yaml'), 'utf8'));

function resolve(s: Schema): Schema {
  if (!s.$ref) return s;
  const name = s.$ref.replace('#/definitions/', '');
  const target = schema.definitions?.[name];
  if (!target) throw new Error(`dangling $ref ${s.$ref}`);
  return resolve(target);
}

const closed = (s: Schema | undefined): boolean => s !== undefined && resolve(s).additionalProperties === false;

/**
 * Keys of values.yaml with their paths and schemas. Descends only into objects the schema closes
 * (additionalProperties: false): keys inside free-form maps (labels, nodeSelector, resources,
 * affinity) are the user's values, not the chart's keys.
 */
function chartKeys(map: YAMLMap, parent: Schema, prefix: string): { path: string; commented: boolean; schema: Schema | undefined }[] {
  const out: { path: string; commented: boolean; schema: Schema | undefined }[] = [];
  map.items.forEach((pair, i) => {
    if (!isPair(pair) || !isScalar(pair.key)) return;
    const name = String(pair.key.value);
    const path = `${prefix}${name}`;
    const sub = resolve(parent).properties?.[name];
    // The yaml library keeps a map's first comment on the map itself, not on its first key.
    const comment = pair.key.commentBefore ?? (i === 0 ? map.commentBefore : undefined) ?? (i === 0 && prefix === '' ? doc.commentBefore : undefined);
    // The comment paragraph right above the key must start with "--" (helm-docs style).
    const paragraph = comment?.split(/\n\s*\n/).pop() ?? '';
    out.push({ path, commented: paragraph.trimStart().startsWith('--'), schema: sub });
    // $ref'd definitions are Kubernetes types (resources, affinity, ...), documented as a whole.
    if (isMap(pair.value) && !pair.value.flow && closed(sub) && !sub!.$ref) out.push(...chartKeys(pair.value, sub!, `${path}.`));
  });
  return out;
}

const keys = chartKeys(doc.contents as YAMLMap, schema, '');

it('finds the values', () => {
  expect(keys.map((k) => k.path)).toEqual(expect.arrayContaining(['image.repository', 'speaker.heartbeatPort', 'metrics.prometheusRule.poolUsageThresholds.critical']));
});

it('documents every key of values.yaml with a "# --" comment', () => {
  expect(keys.filter((k) => !k.commented).map((k) => k.path)).toEqual([]);
});

it('every key of values.yaml is in the schema', () => {
  expect(keys.filter((k) => k.schema === undefined).map((k) => k.path)).toEqual([]);
});

it('every schema property (but Helm\'s `global`) has a default in values.yaml', () => {
  const have = new Set(keys.map((k) => k.path));
  const missing: string[] = [];
  const walk = (s: Schema, prefix: string): void => {
    for (const [name, sub] of Object.entries(resolve(s).properties ?? {})) {
      const path = `${prefix}${name}`;
      if (path === 'global') continue;
      if (!have.has(path)) missing.push(path);
      else if (closed(sub) && !sub.$ref) walk(sub, `${path}.`);
    }
  };
  walk(schema, '');
  expect(missing).toEqual([]);
});

it('closes every object in the schema: additionalProperties false, a typed map, or true only for Kubernetes types and `global`', () => {
  const mayBeOpen = /^(global|#\/definitions\/affinity\.(nodeAffinity|podAffinity|podAntiAffinity))$/;
  const open: string[] = [];
  const walk = (s: Schema, path: string): void => {
    const r = resolve(s);
    const ok = r.additionalProperties === false || typeof r.additionalProperties === 'object' || (r.additionalProperties === true && mayBeOpen.test(path));
    if (r.type === 'object' && !ok) open.push(path || '(root)');
    for (const [name, sub] of Object.entries(r.properties ?? {})) if (!sub.$ref) walk(sub, path ? `${path}.${name}` : name);
  };
  for (const [name, sub] of Object.entries(schema.properties ?? {})) if (!sub.$ref) walk(sub, name);
  for (const [name, def] of Object.entries(schema.definitions ?? {})) walk(def, `#/definitions/${name}`);
  expect(open).toEqual([]);
});
