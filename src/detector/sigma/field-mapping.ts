// Sigma's generic taxonomy (Sysmon-style names: Image, CommandLine, …) → the ECS fields every
// collector fills (DESIGN.md §4). The built-in table below is what rules/config/sigma-mapping.yaml
// ships (a test keeps them identical); a site file extends or overrides it. Names that are not
// in the table are used as they are, so rules can also use ECS names directly.

import { PurpleError } from '../../model/index.js';
import { readYamlDocuments } from './yaml-source.js';

export interface SigmaMapping {
  /** Sigma field name → ECS dotted path. */
  sigmaFieldMap: Record<string, string>;
  /** Sigma field name → (rule value, lowercased → value in the ECS field). */
  sigmaValueMap: Record<string, Record<string, string>>;
}

export const DEFAULT_SIGMA_FIELD_MAP: Readonly<Record<string, string>> = {
  Image: 'process.executable',
  CommandLine: 'process.command_line',
  CurrentDirectory: 'process.working_directory',
  OriginalFileName: 'process.pe.original_file_name',
  ProcessId: 'process.pid',
  ProcessGuid: 'process.entity_id',
  ParentImage: 'process.parent.executable',
  ParentCommandLine: 'process.parent.command_line',
  ParentProcessId: 'process.parent.pid',
  ParentProcessGuid: 'process.parent.entity_id',
  User: 'user.name',
  Computer: 'host.name',
  ComputerName: 'host.name',
  Hostname: 'host.name',
  DestinationIp: 'destination.ip',
  DestinationPort: 'destination.port',
  DestinationHostname: 'destination.domain',
  SourceIp: 'source.ip',
  SourcePort: 'source.port',
  Protocol: 'network.transport',
  Initiated: 'network.direction',
  // image_load (SigmaHQ defines it for Windows only; kept for site rules that route by it)
  ImageLoaded: 'dll.path',
  TargetFilename: 'file.path',
};

export const DEFAULT_SIGMA_VALUE_MAP: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Sysmon's Initiated is a boolean "this host opened the connection"; ECS says egress/ingress.
  Initiated: { true: 'egress', false: 'ingress' },
};

export function defaultSigmaMapping(): SigmaMapping {
  return {
    sigmaFieldMap: { ...DEFAULT_SIGMA_FIELD_MAP },
    sigmaValueMap: Object.fromEntries(Object.entries(DEFAULT_SIGMA_VALUE_MAP).map(([k, v]) => [k, { ...v }])),
  };
}

/**
 * Parses a mapping file:
 * ```yaml
 * fields:
 *   Image: process.executable            # plain rename
 *   Initiated:                           # rename plus value translation
 *     field: network.direction
 *     values: { 'true': egress, 'false': ingress }
 * ```
 * Returns only what the file says; merge over defaultSigmaMapping() with mergeSigmaMapping().
 */
export function parseSigmaMapping(yamlText: string, file: string): SigmaMapping {
  const [doc] = readYamlDocuments(yamlText, file);
  const out: SigmaMapping = { sigmaFieldMap: {}, sigmaValueMap: {} };
  if (!doc) return out;
  const bad = (msg: string, path: Array<string | number>): PurpleError =>
    new PurpleError('BAD_INPUT', msg, {
      location: { file, ...doc.locate(path) },
      hint: "each entry under 'fields' is `SigmaName: ecs.field` or `SigmaName: { field: ecs.field, values: { ruleValue: eventValue } }`",
    });
  const root = doc.value as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw bad("the mapping file must be a map with a 'fields' key", []);
  for (const key of Object.keys(root)) if (key !== 'fields') throw bad(`unknown key '${key}' (only 'fields' is allowed)`, [key]);
  const fields = root.fields;
  if (fields === undefined || fields === null) return out;
  if (typeof fields !== 'object' || Array.isArray(fields)) throw bad("'fields' must be a map", ['fields']);
  for (const [name, spec] of Object.entries(fields as Record<string, unknown>)) {
    if (typeof spec === 'string' && spec.trim()) {
      out.sigmaFieldMap[name] = spec.trim();
      continue;
    }
    if (spec && typeof spec === 'object' && !Array.isArray(spec)) {
      const s = spec as Record<string, unknown>;
      if (typeof s.field !== 'string' || !s.field.trim()) throw bad(`'${name}' needs a 'field' string`, ['fields', name]);
      for (const k of Object.keys(s)) if (k !== 'field' && k !== 'values') throw bad(`unknown key '${k}' in '${name}'`, ['fields', name, k]);
      out.sigmaFieldMap[name] = s.field.trim();
      if (s.values !== undefined) {
        if (!s.values || typeof s.values !== 'object' || Array.isArray(s.values)) throw bad(`'${name}.values' must be a map`, ['fields', name, 'values']);
        out.sigmaValueMap[name] = Object.fromEntries(
          Object.entries(s.values as Record<string, unknown>).map(([from, to]) => [from.toLowerCase(), String(to)]),
        );
      }
      continue;
    }
    throw bad(`'${name}' must map to an ECS field name`, ['fields', name]);
  }
  return out;
}

export function mergeSigmaMapping(base: SigmaMapping, over: Partial<SigmaMapping>): SigmaMapping {
  return {
    sigmaFieldMap: { ...base.sigmaFieldMap, ...(over.sigmaFieldMap ?? {}) },
    sigmaValueMap: { ...base.sigmaValueMap, ...(over.sigmaValueMap ?? {}) },
  };
}

/**
 * Parses a placeholder file for the `expand` modifier:
 * ```yaml
 * placeholders:
 *   Browsers: ['/Applications/Safari.app/*', '*chrome*']
 * ```
 * Values are Sigma strings (wildcards and escaping as in rules).
 */
export function parseSigmaPlaceholders(yamlText: string, file: string): Record<string, string[]> {
  const [doc] = readYamlDocuments(yamlText, file);
  const out: Record<string, string[]> = {};
  if (!doc) return out;
  const bad = (msg: string, path: Array<string | number>): PurpleError =>
    new PurpleError('BAD_INPUT', msg, {
      location: { file, ...doc.locate(path) },
      hint: "write `placeholders: { Name: [value, …] }`; values are strings or numbers",
    });
  const root = doc.value as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw bad("the placeholder file must be a map with a 'placeholders' key", []);
  for (const key of Object.keys(root)) if (key !== 'placeholders') throw bad(`unknown key '${key}' (only 'placeholders' is allowed)`, [key]);
  const ph = root.placeholders;
  if (ph === undefined || ph === null) return out;
  if (typeof ph !== 'object' || Array.isArray(ph)) throw bad("'placeholders' must be a map", ['placeholders']);
  for (const [name, vals] of Object.entries(ph as Record<string, unknown>)) {
    const list = Array.isArray(vals) ? vals : [vals];
    list.forEach((v, i) => {
      if (typeof v !== 'string' && typeof v !== 'number') throw bad(`placeholder '${name}' item ${i + 1} must be a string or number`, ['placeholders', name]);
    });
    out[name] = list.map(String);
  }
  return out;
}
