// Lines of text split exactly as node:readline splits them with crlfDelay Infinity: at \n, \r\n or
// a lone \r; no empty line after a final break. One splitter for `purple detect`'s stream reader
// (lineBatches) and its worker threads' chunks (lineSpans).

/**
 * Where each line of a text starts and ends (a text that does not end with a break ends with its
 * last, unterminated line).
 */
export function lineSpans(text: string): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = 0;
  if (text.indexOf('\r') < 0) {
    // Only \n breaks lines here: indexOf is much faster than the regex.
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', pos)) {
      starts.push(pos);
      ends.push(i);
      pos = i + 1;
    }
  } else {
    const re = /\r?\n|\r(?!\n)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      starts.push(pos);
      ends.push(m.index);
      pos = m.index + m[0].length;
    }
  }
  if (pos < text.length) {
    starts.push(pos);
    ends.push(text.length);
  }
  return { starts, ends };
}

/** A stream's lines in batches, one per chunk read: `for await` over readline costs a promise per line. */
export async function* lineBatches(input: AsyncIterable<string | Buffer>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  for await (const chunk of input) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    // A trailing \r may be the first half of a \r\n split across chunks: keep it for the next one.
    const cut = text.endsWith('\r') ? text.length - 1 : text.length;
    const { starts, ends } = lineSpans(text.slice(0, cut));
    let n = starts.length;
    // A last line that runs to the end of the chunk may go on in the next one.
    carry = n && ends[n - 1] === cut ? text.slice(starts[--n]!) : text.slice(cut);
    if (n) yield starts.slice(0, n).map((s, i) => text.slice(s, ends[i]));
  }
  carry += decoder.decode();
  const { starts, ends } = lineSpans(carry);
  if (starts.length) yield starts.map((s, i) => carry.slice(s, ends[i]));
}
