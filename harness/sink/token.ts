// Token comparison in constant time: hashing both sides first makes the lengths equal, so neither
// the content nor the length of the real token leaks through timing.

import { createHash, timingSafeEqual } from 'node:crypto';

export function tokensEqual(presented: string | undefined, expected: string): boolean {
  const a = createHash('sha256').update(presented ?? '', 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && presented !== undefined;
}

/** The token of an HTTP request: `Authorization: Bearer …` or `X-Purple-Token: …`. */
export function tokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const x = headers['x-purple-token'];
  if (typeof x === 'string') return x.trim();
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return undefined;
}
