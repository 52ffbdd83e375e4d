// Secrets (passphrase, key, iv, token) must never reach a report or a log: everything the CLI
// writes passes through redact().

export const REDACTED = '<redacted>';

/** Replaces every occurrence of every secret (and its upper-case hex form) with `<redacted>`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  const all = [...new Set(secrets.flatMap((s) => (s.length >= 8 ? [s, s.toUpperCase(), s.toLowerCase()] : [])))].sort((a, b) => b.length - a.length);
  for (const s of all) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** redact() applied to each element of an argv. */
export function redactArgv(argv: readonly string[], secrets: readonly string[]): string[] {
  return argv.map((a) => redact(a, secrets));
}
