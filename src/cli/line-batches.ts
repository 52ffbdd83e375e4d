// Lines of a text stream, in batches (one per chunk read), split exactly as node:readline splits
// them with crlfDelay Infinity: at \n, \r\n or a lone \r; no empty line after a final break.
// `for await` over readline costs a promise per line; over batches, one per chunk.

/** A line break: \n, \r\n, or a \r not followed by \n. */
const BREAK = /\r?\n|\r(?!\n)/;

export async function* lineBatches(input: AsyncIterable<string | Buffer>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  for await (const chunk of input) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    // A trailing \r may be the first half of a \r\n split across chunks: keep it for the next one.
    const cut = text.endsWith('\r') ? text.length - 1 : text.length;
    const body = text.slice(0, cut);
    // Without a \r only \n breaks lines: a plain string split is several times faster than the regex.
    const parts = body.indexOf('\r') < 0 ? body.split('\n') : body.split(BREAK);
    carry = parts.pop()! + text.slice(cut);
    if (parts.length) yield parts;
  }
  carry += decoder.decode();
  if (carry === '') return;
  const parts = carry.split(BREAK);
  if (parts[parts.length - 1] === '') parts.pop();
  if (parts.length) yield parts;
}
