// The argv placeholders of the emulation contract, in one place: the scenario loader rejects any
// other `{name}` (a typo fails when the catalogue loads, not halfway through a run), and the launcher
// substitutes them element by element: a value is never re-split or handed to a shell, so a
// parameter cannot become a command.

import { PurpleError } from '../src/model/index.js';

export const CONTRACT_PLACEHOLDERS = [
  'workspace', 'payload', 'out', 'passfile', 'key_hex', 'iv_hex', 'sink_url', 'sink_ws_url',
  'sink_tcp_host', 'sink_tcp_port', 'token', 'journal', 'scenarios', 'python', 'delay',
] as const;

export type ContractPlaceholder = (typeof CONTRACT_PLACEHOLDERS)[number];
export type PlaceholderValues = Record<ContractPlaceholder, string>;

// Lower-case identifiers only: braces in inline code (`python3 -c`, dict literals) stay untouched.
const TOKEN = /\{([a-z_][a-z0-9_]*)\}/g;
const KNOWN = new Set<string>(CONTRACT_PLACEHOLDERS);

/** Every `{name}` token of an argv element, known or not. */
export function findPlaceholders(element: string): string[] {
  return [...element.matchAll(TOKEN)].map((m) => m[1] ?? '');
}

/** The placeholder names in `argv` that the contract does not define. */
export function findUnknownPlaceholders(argv: readonly string[]): string[] {
  return argv.flatMap(findPlaceholders).filter((n) => !KNOWN.has(n));
}

/** Substitutes the names given in `values` and leaves every other `{name}` as written (tests, tools). */
export function substitutePlaceholders(argv: readonly string[], values: Partial<Record<ContractPlaceholder, string>>): string[] {
  return argv.map((el) =>
    el.replace(TOKEN, (whole, name: string) => {
      const v = (values as Record<string, string | undefined>)[name];
      return v === undefined ? whole : v;
    }),
  );
}

/** Substitutes every `{name}` at launch; an unknown name is bad input (the loader should have caught it). */
export function substituteArgv(argv: readonly string[], values: PlaceholderValues, where: { variantId: string; file?: string; line?: number }): string[] {
  return argv.map((el) =>
    el.replace(TOKEN, (_whole, name: string) => {
      if (!KNOWN.has(name)) {
        throw new PurpleError('BAD_INPUT', `variant ${where.variantId}: unknown placeholder {${name}} in argv`, {
          location: { ...(where.file !== undefined ? { file: where.file } : {}), ...(where.line !== undefined ? { line: where.line } : {}) },
          hint: `the emulation contract defines: ${CONTRACT_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
        });
      }
      return values[name as ContractPlaceholder];
    }),
  );
}
