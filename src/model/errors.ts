// The one error root of the project. Throw it only for bad input and broken environments;
// results (a failed step, a timeout, a missed detection) are values in the report, not errors.

export type ErrorCode =
  | 'BAD_INPUT' // a file or argument the user gave is malformed
  | 'SCHEMA' // a file parsed but does not match its JSON Schema
  | 'PARSE' // a rule or query did not parse
  | 'UNSUPPORTED' // valid in the language, but the embedded detector does not implement it
  | 'NOT_FOUND' // a file, scenario, variant or id does not exist
  | 'ENVIRONMENT' // a binary, permission or kernel facility the run needs is missing
  | 'PERMISSION' // needs root / Full Disk Access / sudo
  | 'UNKNOWN_ID' // a registry lookup failed
  | 'INTERNAL'; // a programmer error

export interface ErrorLocation {
  file?: string;
  line?: number; // 1-based
  column?: number; // 1-based
}

export class PurpleError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { location?: ErrorLocation; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PurpleError';
    this.code = code;
    this.location = opts.location ?? {};
    this.hint = opts.hint;
  }

  /** `file:line:column: message` followed by the hint, the form every CLI verb prints. */
  format(): string {
    const { file, line, column } = this.location;
    let where = '';
    if (file) where = file + (line ? `:${line}` + (column ? `:${column}` : '') : '') + ': ';
    else if (line) where = `line ${line}` + (column ? `, column ${column}` : '') + ': ';
    return `${where}${this.message}` + (this.hint ? `\n  hint: ${this.hint}` : '');
  }
}

export function isPurpleError(e: unknown): e is PurpleError {
  return e instanceof PurpleError;
}
