import fc from 'fast-check';
import { LineSplitter } from './ndjson.js';

const feed = (chunks: readonly string[]): string[] => {
  const s = new LineSplitter();
  return [...chunks.flatMap((c) => s.push(c)), ...s.end()];
};

describe('LineSplitter', () => {
  it.each([
    ['one line per chunk', ['{"a":1}\n', '{"b":2}\n'], ['{"a":1}', '{"b":2}']],
    ['two lines in one chunk', ['{"a":1}\n{"b":2}\n'], ['{"a":1}', '{"b":2}']],
    ['a line split mid-token', ['{"type":"ADD', 'ED","object":{}}\n'], ['{"type":"ADDED","object":{}}']],
    ['split right before the newline', ['{"a":1}', '\n{"b"', ':2}\n'], ['{"a":1}', '{"b":2}']],
    ['a line over three chunks', ['{"a"', ':', '1}\n'], ['{"a":1}']],
    ['blank lines and CRLF whitespace skipped', ['\n{"a":1}\r\n\n', '  \n'], ['{"a":1}\r']],
    ['a last line without newline', ['{"a":1}\n{"b":2}'], ['{"a":1}', '{"b":2}']],
    ['multi-byte characters', ['{"m":"żółw"}\n{"m":"猫"}\n'], ['{"m":"żółw"}', '{"m":"猫"}']],
  ])('%s', (_what, chunks, want) => {
    expect(feed(chunks)).toEqual(want);
  });

  it('reports what it holds back', () => {
    const s = new LineSplitter();
    s.push('{"a":1}\n{"b"');
    expect(s.pending).toBe(4);
  });

  it('gives the same lines wherever the stream is cut', () => {
    const line = fc.string({ unit: fc.constantFrom('a', '{', '"', ':', ' ', 'é', '1') }).filter((l) => l.trim() !== '');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (lines, cuts) => {
        const text = lines.map((l) => `${l}\n`).join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let from = 0;
        for (const p of [...points, text.length]) {
          chunks.push(text.slice(from, p));
          from = p;
        }
        expect(feed(chunks)).toEqual(lines);
      }),
    );
  });
});
