// Alert ids shared by the EQL and Sigma rules: stable over runs, derived from the rule and the
// matched events (no node:crypto: the detector is pure and runs anywhere).

/** FNV-1a over the text, 64 bits as two 32-bit halves: stable ids without node:crypto. */
export function hashText(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

export function makeAlertId(ruleId: string, eventIds: string[]): string {
  return `alert-${hashText(ruleId + '\u0000' + eventIds.join('\u0000'))}`;
}
