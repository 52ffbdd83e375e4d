// Launch-time substitution of the contract's argv placeholders, element by element: a value is
// never re-split or handed to a shell, so a parameter cannot become a command.

import { PurpleError } from '../src/model/index.js';

export const CONTRACT_PLACEHOLDERS = [
  'workspace', 'payload', 'out', 'passfile', 'key_hex', 'iv_hex', 'sink_url', 'sink_ws_url',
  'sink_tcp_host', 'sink_tcp_port', 'token', 'journal', 'scenarios', 'python', 'delay',
] as const;

export type ContractPlaceholder = (typeof CONTRACT_PLACEHOLDERS)[number];
export type PlaceholderValues = Record<ContractPlaceholder, string>;

const TOKEN = /\{([a-z_][a-z0-9_]*)\}/g;
const KNOWN = new Set<string>(CONTRACT_PLACEHOLDERS);

/** Substitutes every `{name}`; an unknown name is bad input (the loader should have caught it). */
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
