// Shared by the CLI verbs: exit codes, error printing, package paths.

import { PurpleError, isPurpleError } from '../model/index.js';

export { packageRoot, packageVersion } from '../pipeline/package-root.js';

export const EXIT_OK = 0;
export const EXIT_EXPECTATION_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Prints an error the way every verb does and returns the exit code for it. */
export function reportError(e: unknown): number {
  if (isPurpleError(e)) {
    process.stderr.write(`purple: ${e.format()}\n`);
    return e.code === 'INTERNAL' ? 70 : EXIT_BAD_INPUT;
  }
  const err = e as Error;
  process.stderr.write(`purple: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.PURPLE_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
  else process.stderr.write('  hint: set PURPLE_DEBUG=1 for the stack trace, and report it as a bug\n');
  return 70;
}

/** Wraps a verb's action so that errors become messages and exit codes, never stack traces. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT_OK;
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}

/** `--var name=value` (repeatable) → a map; a malformed one is bad input. */
export function parseVarOptions(list: readonly string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([a-z][a-z0-9_]*)=(.*)$/s.exec(item);
    if (!m) throw new PurpleError('BAD_INPUT', `--var ${JSON.stringify(item)} is not name=value`, { hint: 'e.g. --var curl_timeout_s=20; `purple show VARIANT` lists the inputs of its scenario' });
    out[m[1]!] = m[2]!;
  }
  return out;
}
