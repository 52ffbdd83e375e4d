// Validation of Sigma files against the Sigma JSON Schemas (draft 2020-12), with each error
// placed at the line and column of the offending YAML node. Dates stay strings because the
// YAML 1.2 core schema does not turn 2024-01-01 into a Date.

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isPurpleError } from '../../model/index.js';
import type { RuleSourceFile } from '../types.js';
import { readYamlDocuments } from './yaml-source.js';

export interface SigmaSchemas {
  rule: object;
  correlation: object;
  filter: object;
}

export interface SchemaIssue {
  message: string;
  line?: number;
  column?: number;
  path?: string;
}

const cache = new WeakMap<object, ValidateFunction>();
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

function validatorFor(schema: object): ValidateFunction {
  let v = cache.get(schema);
  if (!v) {
    // strict: false because the upstream schemas carry keywords ajv's strict mode flags
    // (e.g. `items` beside type object); they are harmless for validation.
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    v = ajv.compile(schema);
    cache.set(schema, v);
  }
  return v;
}

export function validateSigmaFile(file: RuleSourceFile, schemas: SigmaSchemas): SchemaIssue[] {
  let docs;
  try {
    docs = readYamlDocuments(file.text, file.path);
  } catch (e) {
    if (isPurpleError(e)) return [{ message: e.message, ...(e.location.line ? { line: e.location.line } : {}), ...(e.location.column ? { column: e.location.column } : {}) }];
    throw e;
  }
  const issues: SchemaIssue[] = [];
  if (docs.length === 0) issues.push({ message: 'the file holds no YAML document' });
  for (const doc of docs) {
    const v = doc.value as Record<string, unknown> | null;
    const kind = v && typeof v === 'object' && !Array.isArray(v) ? ('correlation' in v ? 'correlation' : 'filter' in v ? 'filter' : 'rule') : 'rule';
    const validate = validatorFor(schemas[kind]);
    if (validate(v)) continue;
    const seen = new Set<string>();
    const errors = validate.errors ?? [];
    // `oneOf` of consts (status, level) reports one error per constant: fold them into one.
    const consts = new Map<string, string[]>();
    for (const e of errors) if (e.keyword === 'const') consts.set(e.instancePath, [...(consts.get(e.instancePath) ?? []), String(e.params.allowedValue)]);
    for (const raw of errors) {
      if (raw.keyword === 'oneOf' && consts.has(raw.instancePath)) continue;
      const e =
        raw.keyword === 'const'
          ? { ...raw, message: `must be one of: ${consts.get(raw.instancePath)!.join(', ')}`, params: {} }
          : raw;
      // anyOf/oneOf branches repeat the same complaint; keep one line per path and message.
      const msg = `${kind} document ${doc.index + 1}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'allowedValue' in e.params ? ` (${String(e.params.allowedValue)})` : ''}`;
      if (seen.has(msg)) continue;
      seen.add(msg);
      const path = e.instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const at = doc.locate(path);
      issues.push({ message: msg, ...(at ? { line: at.line, column: at.column } : {}), path: e.instancePath || '/' });
    }
  }
  return issues;
}
