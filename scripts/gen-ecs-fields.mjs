#!/usr/bin/env node
// Generates schemas/ecs-fields.json: the ECS field definitions purple validates events and rule
// fields against (name, type, level, normalize), plus the Elastic Defend endpoint fields the
// collectors emit, declared as an extension list.
//
// Source, in order:
//   node scripts/gen-ecs-fields.mjs                 -> the EcsFlat table of the @elastic/ecs npm
//                                                      package (Elastic's generated ecs_flat, a
//                                                      devDependency)
//   node scripts/gen-ecs-fields.mjs ecs_flat.yml    -> a local copy of elastic/ecs
//                                                      generated/ecs/ecs_flat.yml
// Options: --out FILE (default schemas/ecs-fields.json), --check (exit 1 when FILE differs),
// --ecs-version X.Y.Z (required with an ecs_flat.yml: the file does not name its version).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let out = join(root, 'schemas', 'ecs-fields.json');
let check = false;
let flatYml;
let ymlVersion;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--out') out = resolve(args[++i] ?? '');
  else if (a === '--check') check = true;
  else if (a === '--ecs-version') ymlVersion = args[++i];
  else if (a.startsWith('-')) fail(`unknown option ${a}`);
  else flatYml = resolve(a);
}

function fail(msg) {
  process.stderr.write(`gen-ecs-fields: ${msg}\n`);
  process.exit(2);
}

// Elastic Defend (endpoint) fields outside ECS that the collectors and importers write, as the
// endpoint package's field reference names them. Rules may name them; events may carry them.
const ENDPOINT_EXTENSIONS = [
  ['process.Ext.ancestry', 'keyword', true],
  ['process.parent.Ext.ancestry', 'keyword', true],
  ['process.Ext.code_signature', 'nested', true],
  ['process.Ext.code_signature.exists', 'boolean', false],
  ['process.Ext.code_signature.status', 'keyword', false],
  ['process.Ext.code_signature.subject_name', 'keyword', false],
  ['process.Ext.code_signature.trusted', 'boolean', false],
  ['process.parent.Ext.real.pid', 'long', false],
  ['process.Ext.effective_parent.entity_id', 'keyword', false],
  ['process.Ext.effective_parent.executable', 'keyword', false],
  ['process.Ext.effective_parent.name', 'keyword', false],
  ['process.Ext.effective_parent.pid', 'long', false],
  ['process.Ext.relative_file_creation_time', 'double', false],
  ['process.Ext.relative_file_name_modify_time', 'double', false],
  ['process.Ext.session_info.id', 'keyword', false],
  ['process.Ext.trusted_descendant', 'boolean', false],
  ['dll.Ext.relative_file_creation_time', 'double', false],
  ['dll.Ext.relative_file_name_modify_time', 'double', false],
];

function loadFlat() {
  if (flatYml) {
    let text;
    try {
      text = readFileSync(flatYml, 'utf8');
    } catch (e) {
      fail(`cannot read ${flatYml}: ${e.message}`);
    }
    const doc = parseYaml(text, { maxAliasCount: -1 });
    if (!doc || typeof doc !== 'object' || !doc['@timestamp']) fail(`${flatYml} is not an ecs_flat.yml (no @timestamp entry)`);
    if (!ymlVersion) fail('give the ECS version of the ecs_flat.yml with --ecs-version X.Y.Z');
    return { flat: doc, source: `elastic/ecs generated/ecs/ecs_flat.yml ${ymlVersion}`, version: ymlVersion };
  }
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('@elastic/ecs/package.json'));
  } catch {
    fail('@elastic/ecs is not installed (npm install), and no ecs_flat.yml path was given');
  }
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const { EcsFlat, EcsVersion } = require(join(pkgDir, 'build', 'commonjs', 'index.js'));
  return { flat: EcsFlat, source: `npm @elastic/ecs@${pkg.version} (EcsFlat)`, version: EcsVersion };
}

const { flat, source, version } = loadFlat();
const fields = {};
for (const [name, def] of Object.entries(flat)) {
  if (!def || typeof def !== 'object' || typeof def.type !== 'string') fail(`field ${name} has no type`);
  const entry = { type: def.type, level: def.level };
  if (Array.isArray(def.normalize) && def.normalize.includes('array')) entry.normalize = ['array'];
  fields[def.flat_name ?? name] = entry;
  for (const mf of def.multi_fields ?? []) {
    fields[mf.flat_name] = { type: mf.type, level: def.level, multi_field: true };
  }
}
const extensions = {};
for (const [name, type, array] of ENDPOINT_EXTENSIONS) {
  if (fields[name]) fail(`extension ${name} is already an ECS field`);
  extensions[name] = array ? { type, level: 'custom', normalize: ['array'] } : { type, level: 'custom' };
}

const names = Object.keys(fields).sort();
const lines = names.map((n) => `    ${JSON.stringify(n)}: ${JSON.stringify(fields[n])}`);
const extLines = Object.keys(extensions)
  .sort()
  .map((n) => `    ${JSON.stringify(n)}: ${JSON.stringify(extensions[n])}`);
const text =
  '{\n' +
  `  "$comment": "Generated by scripts/gen-ecs-fields.mjs from ${source}. Do not edit by hand.",\n` +
  `  "ecs_version": ${JSON.stringify(version ?? null)},\n` +
  `  "fields": {\n${lines.join(',\n')}\n  },\n` +
  `  "extensions": {\n    "$comment": "Elastic Defend (endpoint) fields outside ECS, per the endpoint package's field reference",\n${extLines.join(',\n')}\n  }\n` +
  '}\n';

if (check) {
  let cur = '';
  try {
    cur = readFileSync(out, 'utf8');
  } catch {}
  if (cur !== text) {
    process.stderr.write(`gen-ecs-fields: ${out} is out of date; run node scripts/gen-ecs-fields.mjs\n`);
    process.exit(1);
  }
  process.stdout.write(`gen-ecs-fields: ${out} is up to date (${names.length} fields)\n`);
} else {
  writeFileSync(out, text);
  process.stdout.write(`gen-ecs-fields: wrote ${out}: ${names.length} ECS fields, ${extLines.length} extensions, from ${source}\n`);
}
