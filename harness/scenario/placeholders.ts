// The argv placeholders of the emulation contract. The loader rejects any other `{name}` so a typo
// fails when the catalogue loads, not halfway through a run.

export const KNOWN_PLACEHOLDERS = [
  'workspace',
  'payload',
  'out',
  'passfile',
  'key_hex',
  'iv_hex',
  'sink_url',
  'sink_ws_url',
  'sink_tcp_host',
  'sink_tcp_port',
  'token',
  'journal',
  'scenarios',
  'python',
  'delay',
] as const;

export type Placeholder = (typeof KNOWN_PLACEHOLDERS)[number];

const KNOWN = new Set<string>(KNOWN_PLACEHOLDERS);

// Lower-case identifiers only: braces in inline code (`python3 -c`, dict literals) stay untouched.
const TOKEN = /\{([a-z_][a-z0-9_]*)\}/g;

/** Every `{name}` token of an argv element, known or not. */
export function findPlaceholders(element: string): string[] {
  return [...element.matchAll(TOKEN)].map((m) => m[1] ?? '');
}

/** The placeholder names in `argv` that the contract does not define. */
export function findUnknownPlaceholders(argv: readonly string[]): string[] {
  return argv.flatMap(findPlaceholders).filter((n) => !KNOWN.has(n));
}

/** Element-wise substitution, as the harness does it at launch time. */
export function substitutePlaceholders(argv: readonly string[], values: Partial<Record<Placeholder, string>>): string[] {
  return argv.map((el) =>
    el.replace(TOKEN, (whole, name: string) => {
      const v = (values as Record<string, string | undefined>)[name];
      return v === undefined ? whole : v;
    }),
  );
}
