// JSON Schema validation for the files the reporters read and write (report.json, manifest.json).
// The schemas live in the package's schemas/ folder so users and other tools can use them too.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { PurpleError } from '../model/index.js';

// ajv and ajv-formats are CommonJS; under NodeNext their default import is the module object.
type AjvCtor = new (opts: Record<string, unknown>) => {
  compile(schema: unknown): ValidateFunction;
};
const Ajv2020 = ((Ajv2020Module as unknown as { default?: AjvCtor }).default ?? Ajv2020Module) as unknown as AjvCtor;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: unknown) => void;

/** Absolute path of a schema shipped in schemas/, found from source (tsx) or from dist/. */
export function schemaPath(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'schemas', name);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) throw new PurpleError('INTERNAL', `schema ${name} not found beside the package`, { hint: 'reinstall purple-harness; its schemas/ folder is missing' });
    dir = up;
  }
}

const compiled = new Map<string, ValidateFunction>();

/** Compiles (once) one of the shipped schemas. */
export function schemaValidator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    v = ajv.compile(JSON.parse(readFileSync(schemaPath(name), 'utf8')));
    compiled.set(name, v);
  }
  return v;
}

/** Problems as `path: message` lines; empty when the object is valid. */
export function validateAgainst(name: string, obj: unknown): string[] {
  const v = schemaValidator(name);
  if (v(obj)) return [];
  return (v.errors ?? []).map((e) => {
    const where = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})` : '';
    return `${where}: ${e.message ?? e.keyword}${extra}`;
  });
}

/** Validates a parsed report.json against schemas/report.schema.json. */
export function validateReport(obj: unknown): string[] {
  return validateAgainst('report.schema.json', obj);
}
