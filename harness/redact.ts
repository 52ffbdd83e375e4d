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

/**
 * redact() for collector raw files, which must stay parseable: a secret inside a hex-encoded
 * field (audit writes arguments with spaces as hex) becomes the hex of `<redacted>`, in the same
 * case, so the field still decodes; plain occurrences become `<redacted>`.
 */
export function redactRaw(text: string, plainSecrets: readonly string[]): string {
  let out = text;
  const marker = Buffer.from(REDACTED, 'utf8').toString('hex');
  for (const s of [...plainSecrets].filter((x) => x.length >= 8).sort((a, b) => b.length - a.length)) {
    const hex = Buffer.from(s, 'utf8').toString('hex');
    for (const [h, m] of [
      [hex.toUpperCase(), marker.toUpperCase()],
      [hex.toLowerCase(), marker.toLowerCase()],
    ] as const) {
      if (out.includes(h)) out = out.split(h).join(m);
    }
  }
  return redact(out, plainSecrets);
}
