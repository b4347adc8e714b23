import { errorEventCode, parseWatchLine } from './watch.js';

describe('watch lines', () => {
  it.each([
    ['{"type":"ADDED","object":{"metadata":{"name":"a"}}}', 'ADDED'],
    ['{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}', 'BOOKMARK'],
    ['{"type":"ERROR","object":{"kind":"Status","code":410}}', 'ERROR'],
  ])('parses %s', (line, type) => {
    expect(parseWatchLine(line).type).toBe(type);
  });
  it.each([['{"type":"ADD'], ['[1]'], ['{"object":{}}'], ['{"type":"SYNC","object":{}}']])('rejects %s', (line) => {
    expect(() => parseWatchLine(line)).toThrow();
  });
  it.each([
    [{ kind: 'Status', code: 410, reason: 'Expired' }, 410],
    [{ kind: 'Status', code: 500 }, 500],
    [{ kind: 'Status' }, 500],
    [null, 500],
  ])('error code of %j', (obj, code) => {
    expect(errorEventCode(obj)).toBe(code);
  });
});
