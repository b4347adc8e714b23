import { fieldTypes } from './schema-fields.js';

describe('fieldTypes', () => {
  it('names object properties with dots and array items with [], skipping top-level metadata', () => {
    const got = fieldTypes({
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { name: { type: 'string' } } },
        spec: {
          type: 'object',
          properties: {
            list: { type: 'array', items: { type: 'object', properties: { w: { type: 'integer' } } } },
            free: { x_kubernetes_preserve_unknown_fields: true },
          },
        },
      },
    });
    expect([...got]).toEqual([
      ['spec', 'object'],
      ['spec.list', 'array'],
      ['spec.list[]', 'object'],
      ['spec.list[].w', 'integer'],
    ]);
  });
});
