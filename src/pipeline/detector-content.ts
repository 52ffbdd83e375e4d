// Detector content from disk: rule files, the site configuration with the Sigma mapping and
// placeholders beside it (or a --sigma-mapping file), and the field catalog the field check reads.
// Every verb that runs or checks rules (run, detect, validate, test, rescore) and the benchmarks
// load it here; the detector itself is pure and only ever sees the text.

import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { loadRulesWithDiagnostics, parseDetectorConfig, type DetectorConfig, type FieldCatalog, type RuleSourceFile, type StreamRule } from '../detector/index.js';
import { parseSigmaMapping, parseSigmaPlaceholders } from '../detector/sigma/index.js';
import { PurpleError } from '../model/index.js';
import { fileDigest, type FileDigest } from '../report/index.js';
import { packageRoot } from './package-root.js';

const RULE_EXTENSIONS = /\.(toml|eql|ya?ml)$/i;

/** The shipped rules folder and configuration file. */
export function defaultRulesPath(): string {
  return join(packageRoot(), 'rules');
}
export function defaultConfigPath(): string {
  return join(packageRoot(), 'rules', 'config', 'det0503.yaml');
}

/** Rule files under a file or folder (recursive; `config/` folders hold settings, not rules). */
export function collectRuleFiles(path: string): RuleSourceFile[] {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new PurpleError('NOT_FOUND', `rules path ${path} does not exist`, { hint: 'pass --rules with a rule file or a folder of rules' });
  if (statSync(abs).isFile()) return [{ path: relative(dirname(abs), abs), text: readFileSync(abs, 'utf8') }];
  const out: RuleSourceFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (name === 'config' || name.startsWith('.') || name === 'node_modules') continue;
        walk(p);
      } else if (RULE_EXTENSIONS.test(name)) out.push({ path: relative(abs, p).split(sep).join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  walk(abs);
  return out;
}

/** A configuration file as read: absolute path and bytes (what the evidence manifest digests). */
export interface ConfigFileRead {
  path: string;
  bytes: Buffer;
}

/**
 * The detector configuration (site lists) from `configPath`, plus sigma-mapping.yaml and
 * sigma-placeholders.yaml beside it when present; `files` are the files read, in that order.
 */
export function loadDetectorConfig(configPath: string, opts: { sigmaMapping?: string } = {}): { config: DetectorConfig; files: ConfigFileRead[] } {
  const abs = resolve(configPath);
  if (!existsSync(abs)) throw new PurpleError('NOT_FOUND', `detector configuration ${configPath} does not exist`, { hint: 'pass --config with a file like rules/config/det0503.yaml' });
  const read = (path: string): string => {
    const bytes = readFileSync(path);
    files.push({ path, bytes });
    return bytes.toString('utf8');
  };
  const files: ConfigFileRead[] = [];
  const config = parseDetectorConfig(read(abs), configPath);
  const dir = dirname(abs);
  // --sigma-mapping FILE replaces the mapping beside the configuration (both extend the built-in table).
  if (opts.sigmaMapping !== undefined && !existsSync(opts.sigmaMapping))
    throw new PurpleError('NOT_FOUND', `--sigma-mapping ${opts.sigmaMapping} does not exist`, { hint: 'pass a file like rules/config/sigma-mapping.yaml (fields: { SigmaName: ecs.field })' });
  const mapping = opts.sigmaMapping !== undefined ? resolve(opts.sigmaMapping) : join(dir, 'sigma-mapping.yaml');
  if (existsSync(mapping)) {
    const m = parseSigmaMapping(read(mapping), mapping);
    config.sigmaFieldMap = m.sigmaFieldMap;
    config.sigmaValueMap = m.sigmaValueMap;
  }
  const ph = join(dir, 'sigma-placeholders.yaml');
  if (existsSync(ph)) config.placeholders = parseSigmaPlaceholders(read(ph), ph);
  return { config, files };
}

export function readDetectorConfig(configPath: string, opts: { sigmaMapping?: string } = {}): DetectorConfig {
  return loadDetectorConfig(configPath, opts).config;
}

/** Loads rules and configuration from disk for any verb that runs the detector (detect, run). */
export function loadDetectorFromDisk(opts: { rules?: string; config?: string; sigmaMapping?: string; maxOpenSequences?: number }): { rules: StreamRule[]; errors: PurpleError[]; warnings: PurpleError[]; config: DetectorConfig } {
  const config = readDetectorConfig(opts.config ?? defaultConfigPath(), opts.sigmaMapping !== undefined ? { sigmaMapping: opts.sigmaMapping } : {});
  const files = collectRuleFiles(opts.rules ?? defaultRulesPath());
  const fields = loadFieldCatalog(packageRoot());
  const { rules, errors, warnings } = loadRulesWithDiagnostics(files, { config, maxOpenSequences: opts.maxOpenSequences ?? 10_000, ...(fields ? { fields } : {}) });
  return { rules, errors, warnings, config };
}

/**
 * SHA-256 and path of configuration files as the detector read them (loadDetectorConfig), for the
 * evidence manifest. Paths are relative to the repository root when inside it, else absolute.
 */
export function configDigests(files: readonly ConfigFileRead[], root: string): FileDigest[] {
  const realRoot = realpathSync(root);
  const seen = new Set<string>();
  const out: FileDigest[] = [];
  for (const f of files) {
    const real = realpathSync(f.path);
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(fileDigest(real, f.bytes, realRoot));
  }
  return out;
}

/** The digests of the detector configuration in force: the --config file first, then the Sigma files beside it. */
export function detectorConfigDigests(configPath: string, root: string): FileDigest[] {
  return configDigests(loadDetectorConfig(configPath).files, root);
}

/**
 * The ECS field list the field check reads (schemas/ecs-fields.json, generated from ECS's field
 * definitions), or undefined when the package has none. Accepts a list of names, a list of
 * definitions with `name`/`flat_name`, a map keyed by flat name, or any of them under `fields`;
 * `object`/`flattened` fields admit any sub-field.
 */
export function loadFieldCatalog(root: string): FieldCatalog | undefined {
  const file = join(root, 'schemas', 'ecs-fields.json');
  if (!existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PurpleError('BAD_INPUT', `${file} is not valid JSON: ${(e as Error).message}`, { location: { file }, hint: 'regenerate it with the script that made it' });
  }
  const names: string[] = [];
  const addDef = (name: string, def: unknown): void => {
    names.push(name);
    const type = def && typeof def === 'object' ? (def as Record<string, unknown>).type : undefined;
    if (type === 'object' || type === 'flattened' || type === 'nested') names.push(`${name}.*`);
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x === 'string') names.push(x);
        else if (x && typeof x === 'object') {
          const d = x as Record<string, unknown>;
          const n = d.flat_name ?? d.name;
          if (typeof n === 'string') addDef(n, d);
        }
      }
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.fields !== undefined) return walk(o.fields);
      for (const [k, d] of Object.entries(o)) if (/^[@A-Za-z_]/.test(k) && k !== 'version' && k !== '$schema') addDef(k, d);
    }
  };
  walk(doc);
  return { ecs: names };
}

