// Encoding modifiers. Values are carried as "byte strings" (one char per byte, 0–255) between
// utf16* and base64*, because that is what the spec encodes: bytes, not characters.

export function toUtf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function utf16le(text: string): string {
  return Buffer.from(text, 'utf16le').toString('latin1');
}

export function utf16be(text: string): string {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) {
    const a = le[i]!;
    le[i] = le[i + 1]!;
    le[i + 1] = a;
  }
  return le.toString('latin1');
}

/** `utf16`: little-endian with the byte order mark FF FE in front. */
export function utf16bom(text: string): string {
  return '\xff\xfe' + utf16le(text);
}

export function base64(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('base64');
}

/**
 * `base64offset`: the value can sit at any of three byte offsets inside a larger encoded blob.
 * Encode it behind 0, 1 and 2 filler bytes and keep only the characters that do not depend on
 * the unknown neighbours: the leading characters that mix in filler bits and the trailing ones
 * that mix in whatever follows are cut.
 */
export function base64offsets(bytes: string): string[] {
  const out: string[] = [];
  const startCut = [0, 2, 3];
  const endCut = [0, 3, 2];
  for (let shift = 0; shift < 3; shift++) {
    const enc = base64(' '.repeat(shift) + bytes);
    const cutEnd = endCut[(bytes.length + shift) % 3]!;
    out.push(enc.slice(startCut[shift]!, cutEnd ? enc.length - cutEnd : enc.length));
  }
  return out;
}
