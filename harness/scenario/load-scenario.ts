// Reads scenario YAML, validates it against schemas/scenario.schema.json, and expands its variants.
// Every problem carries file:line:column and a hint; the catalogue loader collects them all.

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { PurpleError, type Scenario } from '../../src/model/index.js';
import { expandScenario } from './expand-variants.js';
import type { ScenarioFile } from './scenario-file.js';
import { locatePointer } from './yaml-locate.js';

export interface ScenarioDiagnostic {
  file: string;
  line?: number;
  column?: number;
  /** The field the problem is about, as a dotted path (`variants.matrix[0].axes`). */
  field?: string;
  message: string;
  hint: string;
}

/** Where the shipped schema lives, from source (tsx) or from dist/. */
export function findScenarioSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'schemas', 'scenario.schema.json');
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) throw new PurpleError('ENVIRONMENT', 'cannot find schemas/scenario.schema.json', { hint: 'run from a complete checkout or package of purple-harness' });
    dir = up;
  }
}

let validator: ValidateFunction | undefined;
function getValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(findScenarioSchemaPath(), 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validator;
}

function pointerToField(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) out += /^\d+$/.test(part) ? `[${part}]` : (out ? '.' : '') + part;
  return out || '(top level)';
}

function describeAjvError(e: ErrorObject): { message: string; hint: string; property?: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { message: `missing required field "${String(p.missingProperty)}"`, hint: `add ${String(p.missingProperty)}: … here (see docs/scenarios.md)` };
    case 'additionalProperties':
      return { message: `unknown field "${String(p.additionalProperty)}"`, hint: 'check the spelling; the fields are listed in docs/scenarios.md', property: String(p.additionalProperty) };
    case 'propertyNames':
      return { message: `field name "${String(p.propertyName)}" is not allowed here`, hint: 'check the spelling; the fields are listed in docs/scenarios.md', property: String(p.propertyName) };
    case 'enum':
      return { message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, hint: 'use one of the listed values' };
    case 'const':
      return { message: `must be ${JSON.stringify(p.allowedValue)}`, hint: 'use the listed value' };
    case 'contains':
      return { message: "does not contain a required entry", hint: 'every scenario lists T1048.001 among its techniques' };
    case 'pattern':
      return { message: `does not match ${String(p.pattern)}`, hint: 'ids are lower-case a-z, 0-9, ".", "_", "+", "-"; techniques look like T1048.001' };
    case 'type':
      return { message: `must be ${String(p.type)}`, hint: `write ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${String(p.type)} here` };
    default:
      return { message: e.message ?? e.keyword, hint: 'see docs/scenarios.md for the format' };
  }
}

// ajv also reports the inner failures of `propertyNames` and `contains` (every non-matching
// item); the outer error says it better, so drop the inner ones.
function usefulErrors(errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => !/\/(propertyNames|contains)\//.test(e.schemaPath));
}

/** Parses, validates and expands one file, returning problems instead of throwing. */
export interface LoadOptions {
  /** Overrides of scenario inputs (`--var name=value`). */
  vars?: Readonly<Record<string, string>>;
}

export function loadScenarioFileWithDiagnostics(path: string, opts: LoadOptions = {}): { scenario?: Scenario; diagnostics: ScenarioDiagnostic[] } {
  const file = path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { diagnostics: [{ file, message: `cannot read scenario file: ${(e as Error).message}`, hint: 'check the path' }] };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      diagnostics: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          column: pos.col,
          message: `YAML syntax: ${e.message.split('\n')[0] ?? e.code}`,
          hint: 'fix the YAML syntax (indentation, quotes, a missing ":")',
        };
      }),
    };
  }
  let data: unknown;
  try {
    // The yaml package throws (not reports) on aliases it cannot resolve or that expand too far.
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? String(e);
    const anchor = /\*?([A-Za-z0-9_-]+)/.exec(/alias\s+\*?(\S+)/i.exec(msg)?.[1] ?? '')?.[1];
    const at = anchor ? text.indexOf(`*${anchor}`) : -1;
    const pos = at >= 0 ? lc.linePos(at) : undefined;
    return {
      diagnostics: [
        {
          file,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
          message: `YAML aliases: ${msg}`,
          hint: 'define every anchor (&name) before its alias (*name), and do not nest aliases into a huge expansion',
        },
      ],
    };
  }
  const validate = getValidator();
  if (!validate(data)) {
    const seen = new Set<string>();
    const diagnostics: ScenarioDiagnostic[] = [];
    for (const e of usefulErrors(validate.errors ?? [])) {
      const d = describeAjvError(e);
      const pos = locatePointer(doc, lc, e.instancePath, d.property);
      const field = pointerToField(e.instancePath) + (d.property ? `.${d.property}` : '');
      const key = `${pos?.line}:${field}:${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push({ file, ...(pos ? { line: pos.line, column: pos.column } : {}), field, message: `${field}: ${d.message}`, hint: d.hint });
    }
    return { diagnostics };
  }
  const parsed = data as ScenarioFile;
  const stem = basename(path).replace(/\.ya?ml$/, '');
  const diagnostics: ScenarioDiagnostic[] = [];
  if (stem !== parsed.id) {
    const pos = locatePointer(doc, lc, '/id');
    diagnostics.push({ file, ...(pos ? { line: pos.line, column: pos.column } : {}), field: 'id', message: `id "${parsed.id}" differs from the file name "${stem}"`, hint: `rename the file to ${parsed.id}.yaml or change the id` });
  }
  const { scenario, problems } = expandScenario(parsed, file, (ptr) => locatePointer(doc, lc, ptr)?.line, opts.vars);
  for (const pr of problems) {
    const pos = locatePointer(doc, lc, pr.pointer);
    diagnostics.push({ file, ...(pos ? { line: pos.line, column: pos.column } : {}), field: pointerToField(pr.pointer), message: pr.message, hint: pr.hint });
  }
  if (!scenario.variants.length && !problems.length) diagnostics.push({ file, field: 'variants', message: 'the scenario expands to no variant', hint: 'add a matrix or a single variant' });
  diagnostics.push(...resolveLibraryPaths(scenario, dirname(resolve(path)), file));
  return diagnostics.length ? { diagnostics } : { scenario, diagnostics };
}

/** The shipped catalogue folder (scenarios/ beside schemas/), whose script library any scenario may use. */
export function shippedScenariosDir(): string {
  return join(dirname(findScenarioSchemaPath()), '..', 'scenarios');
}

const LIBRARY_REF = /^\{scenarios\}\/(.+)$/;

/**
 * `{scenarios}/path` names a file of the scenario's own folder, else of the shipped library, so a
 * scenario kept outside this package can use the shipped scripts. A path found in neither is a
 * problem at the variant's line (found by validate and dry-run, not halfway through a run).
 */
function resolveLibraryPaths(scenario: Scenario, ownDir: string, file: string): ScenarioDiagnostic[] {
  const library = resolve(shippedScenariosDir());
  const out: ScenarioDiagnostic[] = [];
  const reported = new Set<string>();
  for (const v of scenario.variants) {
    for (const step of v.steps) {
      step.argv = step.argv.map((el) => {
        const m = LIBRARY_REF.exec(el);
        if (!m || m[1]!.split('/').includes('..')) return el;
        if (existsSync(join(ownDir, m[1]!))) return el;
        if (existsSync(join(library, m[1]!))) return join(library, m[1]!);
        const key = `${v.source.line ?? ''}:${m[1]}`;
        if (!reported.has(key)) {
          reported.add(key);
          out.push({ file, ...(v.source.line ? { line: v.source.line } : {}), field: 'steps.argv', message: `${v.id}: script ${el} does not exist (looked in ${ownDir} and in the shipped library ${library})`, hint: 'fix the path, or put the script beside the scenario file' });
        }
        return el;
      });
    }
  }
  return out;
}

export function formatDiagnostic(d: ScenarioDiagnostic): string {
  const where = d.file + (d.line ? `:${d.line}` + (d.column ? `:${d.column}` : '') : '');
  return `${where}: ${d.message}\n  hint: ${d.hint}`;
}

function toError(diags: ScenarioDiagnostic[]): PurpleError {
  const first = diags[0];
  const loc = first ? { file: first.file, ...(first.line ? { line: first.line } : {}), ...(first.column ? { column: first.column } : {}) } : {};
  if (diags.length === 1 && first) return new PurpleError('SCHEMA', first.message, { location: loc, hint: first.hint });
  return new PurpleError('SCHEMA', `${diags.length} problems in the scenario catalogue:\n${diags.map(formatDiagnostic).join('\n')}`, {
    location: loc,
    hint: 'fix each problem listed above, then run `purple validate`',
  });
}

/** Loads one scenario file; throws a PurpleError (code SCHEMA) naming file:line:column on any problem. */
export function loadScenarioFile(path: string): Scenario {
  const { scenario, diagnostics } = loadScenarioFileWithDiagnostics(path);
  if (diagnostics.length || !scenario) throw toError(diagnostics);
  return scenario;
}

/** Loads every `*.yaml` of a folder (sorted by name), collecting every problem of every file. */
export function loadCatalogueWithDiagnostics(dir: string, opts: LoadOptions = {}): { scenarios: Scenario[]; diagnostics: ScenarioDiagnostic[] } {
  if (!existsSync(dir)) {
    return { scenarios: [], diagnostics: [{ file: dir, message: 'scenario folder does not exist', hint: 'pass the catalogue folder (scenarios/)' }] };
  }
  const files = readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => join(dir, n));
  const scenarios: Scenario[] = [];
  const diagnostics: ScenarioDiagnostic[] = [];
  const ids = new Map<string, string>();
  for (const f of files) {
    const r = loadScenarioFileWithDiagnostics(f, opts);
    diagnostics.push(...r.diagnostics);
    if (!r.scenario) continue;
    const other = ids.get(r.scenario.id);
    if (other) {
      diagnostics.push({ file: f, field: 'id', message: `scenario id "${r.scenario.id}" is also used by ${other}`, hint: 'scenario ids are unique across the catalogue' });
      continue;
    }
    ids.set(r.scenario.id, f);
    scenarios.push(r.scenario);
  }
  if (!files.length) diagnostics.push({ file: resolve(dir), message: 'no *.yaml scenario file in the folder', hint: 'pass the catalogue folder (scenarios/)' });
  const declared = new Set(scenarios.flatMap((s) => Object.keys(s.inputs ?? {})));
  for (const name of Object.keys(opts.vars ?? {})) {
    if (!declared.has(name)) diagnostics.push({ file: resolve(dir), message: `--var ${name}: no scenario of the catalogue declares an input "${name}"`, hint: declared.size ? `inputs declared: ${[...declared].sort().join(', ')}` : 'no scenario declares inputs: add them under inputs: in the scenario file' });
  }
  return { scenarios, diagnostics };
}

/** Loads the catalogue; throws one PurpleError listing every problem of every file. */
export function loadCatalogue(dir: string, opts: LoadOptions = {}): Scenario[] {
  const { scenarios, diagnostics } = loadCatalogueWithDiagnostics(dir, opts);
  if (diagnostics.length) throw toError(diagnostics);
  return scenarios;
}
