// Credentials of the pull sources: from the environment, or a file the environment names
// (VAR_FILE). Never from the command line, never in a report: every value read here is added to
// the redaction list of the run.

import { readFileSync } from 'node:fs';
import { PurpleError } from '../../model/index.js';

export interface Credential {
  value: string;
  /** Where it came from, without the value: `PURPLE_ELASTIC_API_KEY` or `file named by …`. */
  from: string;
}

export function readCredential(env: NodeJS.ProcessEnv, name: string, what: string): Credential {
  const direct = env[name];
  if (direct && direct.trim()) return { value: direct.trim(), from: name };
  const file = env[`${name}_FILE`];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new PurpleError('NOT_FOUND', `${name}_FILE names ${file}, which cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        location: { file },
        hint: `write the ${what} into that file (mode 0600), or set ${name}`,
      });
    }
    const value = text.trim();
    if (!value) throw new PurpleError('BAD_INPUT', `${file} (${name}_FILE) is empty`, { location: { file }, hint: `write the ${what} into it` });
    return { value, from: `the file named by ${name}_FILE` };
  }
  throw new PurpleError('BAD_INPUT', `no ${what}: set ${name} or ${name}_FILE`, { hint: `e.g. export ${name}_FILE=~/.config/purple/${name.toLowerCase()}; see docs/controls.md` });
}

/** The base URL: the spec's url=/target, else the environment. */
export function readBaseUrl(env: NodeJS.ProcessEnv, given: string | undefined, name: string, example: string): string {
  const url = given ?? env[name];
  if (!url) throw new PurpleError('BAD_INPUT', `no URL for the source: pass url=… or set ${name}`, { hint: `e.g. ${name}=${example}` });
  return url.replace(/\/+$/, '');
}
