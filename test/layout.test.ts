// The layout is a test (DESIGN §3, docs/architecture.md): every import of the TS/JS under src,
// harness, collectors, bench and scripts is read and checked against the folder rules. Breaches
// that existed when the test was written are listed in KNOWN (issue 15 removes them); a new
// breach fails, and so does a listed one that is gone (so the list only shrinks).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const SCANNED = ['src', 'harness', 'collectors', 'bench', 'scripts'];
const PROCESS_MODULES = /^(node:)?child_process$|^execa$|^zx(\/|$)/;
// The verbs are the modules src/cli/verbs.ts registers.
const VERBS = [...readFileSync(join(ROOT, 'src', 'cli', 'verbs.ts'), 'utf8').matchAll(/from '\.\/([\w-]+)\.js'/g)].map((m) => m[1]!);

/** Breaches present when the test was written: `file -> import`. */
const KNOWN = new Set<string>([
  // Hashing belongs outside the model (issue 15, not yet moved).
  'src/model/entity.ts -> node:crypto',
]);

export interface Breach {
  file: string;
  spec: string;
  rule: string;
}

/** Import specifiers of a source text (static, dynamic, re-exports). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[^.\w])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[^.\w])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

const top = (p: string): string => p.split('/').slice(0, p.startsWith('src/') ? 2 : 1).join('/');

/** The rules, for one file (path relative to the repository) and its text. */
export function checkFile(file: string, text: string): Breach[] {
  const out: Breach[] = [];
  const add = (spec: string, rule: string): void => void out.push({ file, spec, rule });
  const here = top(file);
  for (const spec of importsOf(text)) {
    const target = spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec)).split('\\').join('/') : spec;
    const to = spec.startsWith('.') ? top(target) : spec;
    if (PROCESS_MODULES.test(spec) && here !== 'harness' && here !== 'scripts' && here !== 'bench') add(spec, 'only harness/ starts processes');
    if (here === 'src/model' && to !== 'src/model') add(spec, 'src/model imports nothing');
    if (here === 'src/detector') {
      if (/^(node:)?(fs|fs\/promises|child_process|worker_threads|net|http|os|process)$/.test(spec)) add(spec, 'the detector is pure (no fs, no process)');
      if (spec.startsWith('.') && !['src/detector', 'src/model'].includes(to)) add(spec, 'the detector imports the model only');
      if (/\/eql\//.test(file) && /\/sigma\//.test(target)) add(spec, 'eql does not import sigma');
      if (/\/sigma\//.test(file) && /\/eql\//.test(target)) add(spec, 'sigma does not import eql');
    }
    if ((here === 'src/scoring' || here === 'src/report') && spec.startsWith('.') && ![here, 'src/model'].includes(to)) add(spec, `${here} imports the model only`);
    if (here === 'harness' && spec.startsWith('.') && !['harness', 'src/model'].includes(to)) add(spec, 'harness/ imports src/model only');
    if (here === 'collectors' && spec.startsWith('.') && !['collectors', 'src/model'].includes(to)) add(spec, 'collectors/ import src/model only');
    if (here === 'src/pipeline' && spec.startsWith('.')) {
      const ok = ['src/pipeline', 'src/model', 'src/detector', 'src/scoring', 'src/report'].includes(to) || /^(harness|harness\/scenario|collectors\/importers)\/index\.(ts|js)$|^collectors\/registry\.(ts|js)$/.test(target.replace(/\.js$/, '.ts'));
      if (!ok) add(spec, 'the pipeline reaches harness and collectors through their index files');
    }
    if (here === 'src/cli' && VERBS.includes(file.replace(/^src\/cli\/|\.ts$/g, '')) && spec.startsWith('./') && VERBS.includes(spec.replace(/^\.\/|\.js$/g, ''))) add(spec, 'no verb imports a verb');
  }
  if (here === 'src/detector' && /\bDate\.now\(|new Date\(\s*\)/.test(text)) add('clock', 'the detector reads no clock');
  return out;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

describe('layout (DESIGN §3)', () => {
  test('no import breaks the folder rules (beyond the known, shrinking list)', () => {
    const found = SCANNED.flatMap((d) => sources(d).flatMap((f) => checkFile(f, readFileSync(join(ROOT, f), 'utf8'))));
    const fresh = found.filter((b) => !KNOWN.has(`${b.file} -> ${b.spec}`));
    assert.deepEqual(fresh.map((b) => `${b.file} -> ${b.spec}: ${b.rule}`), []);
    const gone = [...KNOWN].filter((k) => !found.some((b) => `${b.file} -> ${b.spec}` === k));
    assert.deepEqual(gone, [], 'remove these from KNOWN: they are fixed');
  });

  test('the test fails on a forbidden import (synthetic files)', () => {
    const rules = (file: string, text: string): string[] => checkFile(file, text).map((b) => b.rule);
    assert.deepEqual(rules('src/cli/list.ts', "import { execa } from 'execa';"), ['only harness/ starts processes']);
    assert.deepEqual(rules('src/model/x.ts', "import { createHash } from 'node:crypto';"), ['src/model imports nothing']);
    assert.ok(rules('src/detector/x.ts', "import { readFileSync } from 'node:fs';").includes('the detector is pure (no fs, no process)'));
    assert.deepEqual(rules('src/detector/y.ts', 'const t = Date.now();'), ['the detector reads no clock']);
    assert.deepEqual(rules('src/cli/run.ts', "import { collectRuleFiles } from './detect.js';"), ['no verb imports a verb']);
    assert.deepEqual(rules('src/detector/eql/a.ts', "import { x } from '../sigma/safe-regex.js';"), ['eql does not import sigma']);
    assert.deepEqual(rules('src/pipeline/a.ts', "import { x } from '../../harness/launcher.js';"), ['the pipeline reaches harness and collectors through their index files']);
    assert.deepEqual(rules('src/pipeline/a.ts', "import { x } from '../../harness/index.js';"), []);
    assert.deepEqual(rules('src/cli/run.ts', "import { x } from './common.js'; import('./run-progress.js');"), []);
  });
});
