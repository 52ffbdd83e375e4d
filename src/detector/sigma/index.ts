// Sigma support for the embedded detector. (Being built: see issue 7.)

import type { LoadContext, RuleSourceFile, StreamRule } from '../types.js';

export function loadSigmaRules(_files: RuleSourceFile[], _ctx: LoadContext): StreamRule[] {
  return [];
}

export function validateSigmaFile(
  _file: RuleSourceFile,
  _schemas: { rule: object; correlation: object; filter: object },
): Array<{ message: string; line?: number; column?: number; path?: string }> {
  return [];
}
