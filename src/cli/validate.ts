// purple validate: checks scenario files (schema, then expansion: axes, placeholders, names), EQL
// and Sigma rule files (they must load and compile; Sigma files must also pass the Sigma
// specification's JSON Schemas) and the detector's configuration files. Every problem is printed as
// file:line:column: message, with a hint.

import type { Command } from 'commander';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { loadScenarioFileWithDiagnostics } from '../../harness/scenario/index.js';
import { loadRulesWithDiagnostics, parseDetectorConfig, type DetectorConfig, type FieldCatalog, type RuleSourceFile } from '../detector/index.js';
import { looksLikeSigma, parseSigmaMapping, parseSigmaPlaceholders, validateSigmaFile, type SigmaSchemas } from '../detector/sigma/index.js';
import { PurpleError, isPurpleError } from '../model/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, action, packageRoot } from './common.js';
import { loadFieldCatalog, readDetectorConfig } from '../pipeline/index.js';

export type ValidatedKind = 'scenario' | 'eql-rule' | 'sigma-rule' | 'detector-config' | 'sigma-mapping' | 'sigma-placeholders';

export interface ValidationProblem {
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export interface ValidatedFile {
  file: string;
  /** Undefined when the file could not be classified (that is a problem of its own). */
  kind?: ValidatedKind;
  problems: number;
  /** Scenario files: variants they expand to. */
  variants?: number;
  /** Rule files: rules that loaded from them. */
  rules?: number;
}

export interface ValidationResult {
  ok: boolean;
  files: ValidatedFile[];
  problems: ValidationProblem[];
  /** Which detector configuration the rules were compiled with. */
  rulesCompiledWith?: string;
  summary: { files: number; files_with_problems: number; problems: number; scenarios: number; variants: number; rule_files: number; rules: number; config_files: number };
}

const CHECKED_EXT = /\.(ya?ml|toml|eql)$/i;

/** What a file is, from its extension, its top-level keys and, for YAML that says nothing, its folder. */
export function classifyFile(path: string, text: string): ValidatedKind | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.toml' || ext === '.eql') return 'eql-rule';
  if (ext !== '.yaml' && ext !== '.yml') return undefined;
  if (looksLikeSigma(text)) return 'sigma-rule';
  if (/^variants\s*:/m.test(text)) return 'scenario';
  if (/^fields\s*:/m.test(text)) return 'sigma-mapping';
  if (/^placeholders\s*:/m.test(text)) return 'sigma-placeholders';
  if (/^(DET0503|EncryptionRoutinePattern|ApplicationProfileBaseline)\s*:/m.test(text)) return 'detector-config';
  // A file too broken to show its keys: its folder tells what it was meant to be.
  const dirs = resolve(path).split(sep).slice(0, -1);
  if (dirs.includes('config')) return 'detector-config';
  if (dirs.includes('scenarios')) return 'scenario';
  if (dirs.includes('sigma')) return 'sigma-rule';
  return undefined;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (CHECKED_EXT.test(name)) out.push(p);
  }
}

function readSigmaSchemas(): SigmaSchemas {
  const dir = join(packageRoot(), 'schemas', 'sigma');
  const read = (n: string): object => JSON.parse(readFileSync(join(dir, n), 'utf8')) as object;
  return { rule: read('sigma-detection-rule-schema.json'), correlation: read('sigma-correlation-rules-schema.json'), filter: read('sigma-filters-schema.json') };
}

function fromError(e: unknown, file: string): ValidationProblem {
  if (isPurpleError(e)) {
    const p: ValidationProblem = { file: e.location.file ?? file, message: e.message };
    if (e.location.line !== undefined) p.line = e.location.line;
    if (e.location.column !== undefined) p.column = e.location.column;
    if (e.hint !== undefined) p.hint = e.hint;
    return p;
  }
  return { file, message: `could not be checked: ${(e as Error)?.message ?? String(e)}`, hint: 'this is a bug in purple validate; please report it' };
}

export function formatProblem(p: ValidationProblem): string {
  const where = p.file + (p.line ? `:${p.line}` + (p.column ? `:${p.column}` : '') : '');
  return `${where}: ${p.message}` + (p.hint ? `\n  hint: ${p.hint}` : '');
}

/**
 * Validates files and folders (folders recursively: *.yaml, *.yml, *.toml, *.eql). Rules are
 * compiled together (correlations may name rules of other files) with `config`, else the first
 * detector configuration among the inputs, else the shipped rules/config/det0503.yaml.
 */
export function validatePaths(paths: string[], opts: { config?: string; sigmaMapping?: string; cwd?: string; fields?: FieldCatalog | null } = {}): ValidationResult {
  const cwd = opts.cwd ?? process.cwd();
  const show = (p: string): string => {
    const r = relative(cwd, resolve(cwd, p));
    return r === '' || r.startsWith('..') ? resolve(cwd, p) : r;
  };
  const problems: ValidationProblem[] = [];
  const files: ValidatedFile[] = [];
  const seenFiles = new Set<string>();

  const inputs: string[] = [];
  for (const raw of paths) {
    const abs = resolve(cwd, raw);
    if (!existsSync(abs)) {
      problems.push({ file: show(abs), message: 'does not exist', hint: 'pass scenario files, rule files, configuration files or folders of them' });
      continue;
    }
    if (statSync(abs).isDirectory()) {
      const found: string[] = [];
      walk(abs, found);
      if (!found.length) problems.push({ file: show(abs), message: 'the folder holds no .yaml, .yml, .toml or .eql file', hint: 'pass the folder of the scenario catalogue or of the rules' });
      inputs.push(...found);
    } else inputs.push(abs);
  }

  const scenarioIds = new Map<string, string>();
  const ruleFiles: RuleSourceFile[] = [];
  const ruleEntries = new Map<string, ValidatedFile>();
  const configFiles: string[] = [];
  const add = (f: ValidatedFile, ps: ValidationProblem[]): void => {
    f.problems += ps.length;
    problems.push(...ps);
  };
  let sigmaSchemas: SigmaSchemas | undefined;

  for (const abs of inputs) {
    if (seenFiles.has(abs)) continue;
    seenFiles.add(abs);
    const file = show(abs);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      problems.push({ file, message: `cannot read: ${(e as Error).message}`, hint: 'check the path and its permissions' });
      files.push({ file, problems: 1 });
      continue;
    }
    const kind = classifyFile(abs, text);
    const entry: ValidatedFile = { file, problems: 0 };
    files.push(entry);
    if (!kind) {
      add(entry, [
        {
          file,
          message: CHECKED_EXT.test(abs) ? 'cannot tell what kind of file this is' : `not a file purple validate checks (${extname(abs) || 'no extension'})`,
          hint: 'purple validate checks scenario YAML (top-level `variants:`), EQL rules (.toml, .eql), Sigma rules (title + detection/correlation), and detector configuration (DET0503 / EncryptionRoutinePattern / ApplicationProfileBaseline, fields:, placeholders:)',
        },
      ]);
      continue;
    }
    entry.kind = kind;
    switch (kind) {
      case 'scenario': {
        const r = loadScenarioFileWithDiagnostics(abs);
        add(entry, r.diagnostics.map((d) => ({ ...d, file })));
        if (r.scenario) {
          entry.variants = r.scenario.variants.length;
          const other = scenarioIds.get(r.scenario.id);
          if (other !== undefined) add(entry, [{ file, message: `scenario id "${r.scenario.id}" is also used by ${other}`, hint: 'scenario ids are unique across the catalogue' }]);
          else scenarioIds.set(r.scenario.id, file);
        }
        break;
      }
      case 'eql-rule':
        ruleFiles.push({ path: file, text });
        ruleEntries.set(file, entry);
        break;
      case 'sigma-rule': {
        ruleFiles.push({ path: file, text });
        ruleEntries.set(file, entry);
        sigmaSchemas ??= readSigmaSchemas();
        add(
          entry,
          validateSigmaFile({ path: file, text }, sigmaSchemas).map((i) => ({
            file,
            ...(i.line !== undefined ? { line: i.line } : {}),
            ...(i.column !== undefined ? { column: i.column } : {}),
            message: `Sigma schema: ${i.message}`,
            hint: 'see the Sigma specification (schemas/sigma/ holds the JSON Schemas this checks against)',
          })),
        );
        break;
      }
      case 'detector-config':
      case 'sigma-mapping':
      case 'sigma-placeholders':
        configFiles.push(abs);
        try {
          if (kind === 'detector-config') parseDetectorConfig(text, file);
          else if (kind === 'sigma-mapping') parseSigmaMapping(text, file);
          else parseSigmaPlaceholders(text, file);
        } catch (e) {
          add(entry, [fromError(e, file)]);
        }
        break;
    }
  }

  let compiledWith: string | undefined;
  if (ruleFiles.length) {
    // The configuration the rules' ${placeholders} expand from.
    const candidates = [
      ...(opts.config ? [resolve(cwd, opts.config)] : []),
      ...configFiles.filter((f) => classifyFile(f, readFileSync(f, 'utf8')) === 'detector-config'),
      join(packageRoot(), 'rules', 'config', 'det0503.yaml'),
    ];
    let config: DetectorConfig | undefined;
    for (const c of candidates) {
      try {
        config = readDetectorConfig(c, opts.sigmaMapping !== undefined ? { sigmaMapping: resolve(cwd, opts.sigmaMapping) } : {});
        compiledWith = show(c);
        break;
      } catch (e) {
        // An explicit --config that does not load is a problem of its own; others are reported above.
        if (opts.config && c === resolve(cwd, opts.config) && !seenFiles.has(c)) problems.push(fromError(e, show(c)));
      }
    }
    if (!config) {
      problems.push({ file: ruleFiles[0]!.path, message: 'the rules were not compiled: no detector configuration loads', hint: 'fix the configuration problems above, or pass --config with a working det0503.yaml' });
    } else {
      // The field check reads the ECS field list shipped in schemas/ (null: switched off).
      const fields = opts.fields === undefined ? loadFieldCatalog(packageRoot()) : (opts.fields ?? undefined);
      const { rules, errors, warnings } = loadRulesWithDiagnostics(ruleFiles, { config, maxOpenSequences: 10_000, ...(fields ? { fields } : {}) });
      for (const r of rules) {
        const e = ruleEntries.get(r.meta.file);
        if (e) e.rules = (e.rules ?? 0) + 1;
      }
      for (const e of [...errors, ...warnings]) {
        const p = fromError(e, ruleFiles[0]!.path);
        const entry = ruleEntries.get(p.file);
        if (entry) add(entry, [p]);
        else problems.push(p);
      }
    }
  }

  for (const e of ruleEntries.values()) e.rules ??= 0;
  // One file's problems together, in the order the files were checked, then by line and column.
  const order = new Map(files.map((f, i) => [f.file, i]));
  problems.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const sum = (k: 'variants' | 'rules'): number => files.reduce((n, f) => n + (f[k] ?? 0), 0);
  const result: ValidationResult = {
    ok: problems.length === 0,
    files,
    problems,
    summary: {
      files: files.length,
      files_with_problems: new Set(problems.map((p) => p.file)).size,
      problems: problems.length,
      scenarios: files.filter((f) => f.kind === 'scenario').length,
      variants: sum('variants'),
      rule_files: ruleEntries.size,
      rules: sum('rules'),
      config_files: configFiles.length,
    },
  };
  if (compiledWith !== undefined) result.rulesCompiledWith = compiledWith;
  return result;
}

export function formatSummary(r: ValidationResult): string {
  const s = r.summary;
  const parts = [
    `${s.scenarios} scenario file${s.scenarios === 1 ? '' : 's'} (${s.variants} variant${s.variants === 1 ? '' : 's'})`,
    `${s.rule_files} rule file${s.rule_files === 1 ? '' : 's'} (${s.rules} rule${s.rules === 1 ? '' : 's'}${r.rulesCompiledWith ? `, compiled with ${r.rulesCompiledWith}` : ''})`,
    `${s.config_files} configuration file${s.config_files === 1 ? '' : 's'}`,
  ];
  const verdict = s.problems ? `${s.problems} problem${s.problems === 1 ? '' : 's'} in ${s.files_with_problems} file${s.files_with_problems === 1 ? '' : 's'}` : 'no problems';
  return `purple validate: ${s.files} file${s.files === 1 ? '' : 's'} checked: ${parts.join(', ')}; ${verdict}`;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check scenario files, EQL and Sigma rule files and detector configuration; every problem as file:line:column with a hint')
    .argument('[paths...]', 'files or folders (searched recursively for .yaml, .yml, .toml, .eql); default: the shipped scenarios/ and rules/')
    .option('-c, --config <file>', 'detector configuration to compile the rules with (default: one among the paths, else rules/config/det0503.yaml)')
    .option('--sigma-mapping <file>', 'Sigma field mapping to use instead of the sigma-mapping.yaml beside the configuration')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
What is checked:
  scenario YAML       the JSON Schema (schemas/scenario.schema.json), then the expansion: axes and
                      their values, variant names, {placeholders}, platforms, expect, unique ids
  EQL rules           .toml (Elastic) and .eql files must parse and compile with the configuration's
                      \${placeholders}; rule ids unique
  fields              every field a rule names is an ECS field, a Sigma taxonomy field of the rule's
                      log source that the mapping places, or declared under custom_fields: in the
                      configuration; else file:line:column and the nearest known name
  Sigma rules         the Sigma specification's JSON Schemas (schemas/sigma/), then loading and
                      compiling, correlations included
  configuration       det0503.yaml (site lists), sigma-mapping.yaml, sigma-placeholders.yaml

Examples:
  purple validate                                   the shipped catalogue and rules
  purple validate scenarios/my-variant.yaml         one scenario file
  purple validate site-rules/ --config site/det0503.yaml
  purple validate --json > validate.json

Exit codes: 0 no problem, 2 at least one problem (each printed as file:line:column: message).`,
    )
    .action(
      action(async (paths: string[], opts: { config?: string; sigmaMapping?: string; json?: boolean }) => {
        const root = packageRoot();
        const targets = paths.length ? paths : [join(root, 'scenarios'), join(root, 'rules')];
        if (opts.config !== undefined && !existsSync(opts.config)) {
          throw new PurpleError('NOT_FOUND', `--config ${opts.config} does not exist`, { hint: 'pass a detector configuration like rules/config/det0503.yaml' });
        }
        if (opts.sigmaMapping !== undefined && !existsSync(opts.sigmaMapping)) {
          throw new PurpleError('NOT_FOUND', `--sigma-mapping ${opts.sigmaMapping} does not exist`, { hint: 'pass a file like rules/config/sigma-mapping.yaml' });
        }
        const r = validatePaths(targets, { ...(opts.config !== undefined ? { config: opts.config } : {}), ...(opts.sigmaMapping !== undefined ? { sigmaMapping: opts.sigmaMapping } : {}) });
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else {
          const out = r.problems.map(formatProblem);
          out.push(formatSummary(r));
          process.stdout.write(out.join('\n') + '\n');
        }
        return r.ok ? EXIT_OK : EXIT_BAD_INPUT;
      }),
    );
}
