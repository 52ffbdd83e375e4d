// lineBatches must split exactly as node:readline (crlfDelay Infinity) does, whatever the chunking:
// purple detect's line numbers in errors, and its results, depend on it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { lineBatches } from '../../src/pipeline/line-batches.js';

async function viaReadline(chunks: Array<string | Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) out.push(l);
  return out;
}

async function viaBatches(chunks: Array<string | Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of lineBatches(Readable.from(chunks))) out.push(...b);
  return out;
}

describe('lineBatches', () => {
  const cases: Array<[string, Array<string | Buffer>]> = [
    ['empty input', []],
    ['no final break', ['a\nb']],
    ['final break gives no empty line', ['a\nb\n']],
    ['empty lines inside are kept', ['a\n\n\nb\n\n']],
    ['\\r\\n split across chunks is one break', ['a\r', '\nb\r', '\n']],
    ['lone \\r is a break, also at the end', ['a\rb\r']],
    ['\\r at a chunk end then text', ['a\r', 'b']],
    ['multi-byte character split across Buffers', [Buffer.from([0x61, 0xc3]), Buffer.from([0xbc, 0x0a, 0x62])]],
  ];
  for (const [name, chunks] of cases) {
    test(name, async () => assert.deepEqual(await viaBatches(chunks), await viaReadline(chunks)));
  }

  test('any text in any chunking splits as readline does', async () => {
    const text = fc.array(fc.constantFrom('a', 'b', '\n', '\r', 'ü', ' '), { maxLength: 60 }).map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(60), { maxLength: 6 }), async (s, cuts) => {
        const at = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((x, y) => x - y);
        const chunks: string[] = [];
        let prev = 0;
        for (const c of [...at, s.length]) {
          chunks.push(s.slice(prev, c));
          prev = c;
        }
        assert.deepEqual(await viaBatches(chunks.filter((c) => c !== '')), await viaReadline([s]));
      }),
      { numRuns: 300 },
    );
  });
});
