import { asObjectList, MalformedResponseError } from './list.js';

describe('asObjectList', () => {
  it('accepts a list of objects with metadata', () => {
    const list = asObjectList({ items: [{ metadata: { name: 'a' } }], metadata: { resourceVersion: '5' } }, 'pools');
    expect(list.items[0]?.metadata?.name).toBe('a');
  });
  it.each([
    [null, 'no items array'],
    [{ items: {} }, 'no items array'],
    [{ items: [1] }, 'without metadata'],
    [{ items: [{ metadata: 'x' }] }, 'without metadata'],
  ])('rejects %j', (body, msg) => {
    expect(() => asObjectList(body, 'pools')).toThrow(MalformedResponseError);
    expect(() => asObjectList(body, 'pools')).toThrow(msg);
  });
});
