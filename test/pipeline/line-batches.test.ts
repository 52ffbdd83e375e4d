// lineBatches must split exactly as node:readline (crlfDelay Infinity) does, whatever the chunking:
// purple detect's line numbers in errors, and its results, depend on it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { lineBatches, type LineItem } from '../../src/pipeline/line-batches.js';

async function viaReadline(chunks: Array<string | Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) out.push(l);
  return out;
}

async function viaBatches(chunks: Array<string | Buffer>, maxLineBytes?: number): Promise<LineItem[]> {
  const out: LineItem[] = [];
  for await (const b of lineBatches(Readable.from(chunks), maxLineBytes === undefined ? {} : { maxLineBytes })) out.push(...b);
  return out;
}

/** s cut at the given offsets (modulo its length), as non-empty chunks. */
function cutAt(s: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((x, y) => x - y);
  const chunks: string[] = [];
  let prev = 0;
  for (const c of [...at, s.length]) {
    chunks.push(s.slice(prev, c));
    prev = c;
  }
  return chunks;
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
        const chunks = cutAt(s, cuts);
        assert.deepEqual(await viaBatches(chunks.filter((c) => c !== '')), await viaReadline([s]));
      }),
      { numRuns: 300 },
    );
  });

  test('a line past the cap comes out as an oversized marker at its place, the lines around it intact', async () => {
    const long = 'x'.repeat(5000);
    const chunks = ['a\n', long.slice(0, 1000), long.slice(1000, 4000), long.slice(4000) + '\nb\n', `${'y'.repeat(200)}\nc`];
    const out = await viaBatches(chunks, 100);
    assert.deepEqual(out, ['a', { oversized: 5000 }, 'b', { oversized: 200 }, 'c']);
    // A multi-byte line is measured in UTF-8 bytes: 40 × 'ü' is 80 bytes.
    assert.deepEqual(await viaBatches(['ü'.repeat(40) + '\nok'], 79), [{ oversized: 80 }, 'ok']);
    assert.deepEqual(await viaBatches(['ü'.repeat(40) + '\nok'], 80), ['ü'.repeat(40), 'ok']);
    assert.deepEqual(await viaBatches([long], 100), [{ oversized: 5000 }], 'an unterminated last line past the cap');
  });

  test('any text in any chunking, with a cap, gives readline\'s lines with those past the cap marked', async () => {
    const text = fc.array(fc.constantFrom('a', 'b', '\n', '\r', 'ü', ' '), { maxLength: 80 }).map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(80), { maxLength: 6 }), fc.integer({ min: 1, max: 12 }), async (s, cuts, cap) => {
        const chunks = cutAt(s, cuts);
        const want = (await viaReadline([s])).map((l) => (Buffer.byteLength(l) > cap ? 'OVER' : l));
        const got = (await viaBatches(chunks.filter((c) => c !== ''), cap)).map((l) => (typeof l === 'string' ? l : 'OVER'));
        assert.deepEqual(got, want);
      }),
      { numRuns: 300 },
    );
  });
});
