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

/** The default cap on one line of `purple detect` input (--max-line-bytes). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** A line longer than the cap: not kept, only its length (UTF-8 bytes, at least). */
export interface OversizedLine {
  oversized: number;
}

export type LineItem = string | OversizedLine;

/** UTF-8 bytes of a line when they exceed max, else undefined (linear, and cheap for short lines). */
export function lineOverCap(line: string, max: number): number | undefined {
  if (line.length * 3 <= max) return undefined; // a UTF-16 unit is at most 3 bytes of UTF-8
  const bytes = line.length > max ? line.length : Buffer.byteLength(line, 'utf8');
  return bytes > max ? bytes : undefined;
}

export function oversizedMessage(bytes: number, max: number): string {
  return `line of ${bytes} bytes or more is longer than --max-line-bytes ${max}: skipped, not parsed (raise --max-line-bytes to read it)`;
}

/**
 * A stream's lines in batches, one per chunk read: `for await` over readline costs a promise per
 * line. Linear in the input: a line that spans many chunks is kept as a list of pieces and joined
 * once, and only the new chunk is scanned for breaks. A line longer than maxLineBytes is not kept:
 * it comes out as an OversizedLine (memory stays bounded by the cap).
 */
export async function* lineBatches(input: AsyncIterable<string | Buffer>, opts: { maxLineBytes?: number } = {}): AsyncGenerator<LineItem[]> {
  const max = opts.maxLineBytes ?? Infinity;
  const decoder = new TextDecoder('utf-8');
  let pieces: string[] = []; // the unterminated line so far
  let carried = 0; // its length in UTF-16 units
  let dropped = -1; // ≥ 0: the line went past the cap; units seen
  let cr = ''; // a trailing \r: maybe the first half of a \r\n split across chunks

  const finish = (last: string): LineItem => {
    if (dropped >= 0) {
      const n = dropped + last.length;
      dropped = -1;
      return { oversized: n };
    }
    const line = pieces.length ? pieces.join('') + last : last;
    pieces = [];
    carried = 0;
    const over = lineOverCap(line, max);
    return over === undefined ? line : { oversized: over };
  };
  const carry = (piece: string): void => {
    if (dropped >= 0) {
      dropped += piece.length;
      return;
    }
    pieces.push(piece);
    carried += piece.length;
    if (carried > max) {
      dropped = carried;
      pieces = [];
      carried = 0;
    }
  };
  const split = (text: string, final: boolean): LineItem[] => {
    const out: LineItem[] = [];
    const cut = !final && text.endsWith('\r') ? text.length - 1 : text.length;
    const seg = cut === text.length ? text : text.slice(0, cut);
    cr = text.slice(cut);
    const { starts, ends } = lineSpans(seg);
    let n = starts.length;
    // A last line that runs to the end of the chunk may go on in the next one.
    const open = !final && n > 0 && ends[n - 1] === seg.length;
    if (open) n--;
    for (let i = 0; i < n; i++) {
      const piece = seg.slice(starts[i], ends[i]);
      if (i === 0) out.push(finish(piece));
      else {
        const over = lineOverCap(piece, max);
        out.push(over === undefined ? piece : { oversized: over });
      }
    }
    if (open) carry(seg.slice(starts[n])); else if (final && (pieces.length || dropped >= 0)) {
      out.push(finish(''));
    }
    return out;
  };

  for await (const chunk of input) {
    const text = cr + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const batch = split(text, false);
    if (batch.length) yield batch;
  }
  const batch = split(cr + decoder.decode(), true);
  if (batch.length) yield batch;
}
