// Black-box: the package as users get it. `npm pack` the built project, install the tarball in an
// empty folder outside the source tree, and run the installed `purple` there.
// Dependencies come from the npm cache when they are in it, otherwise from the npm registry.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type { Alert } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };
const FIX = join(ROOT, 'test', 'fixtures', 'det0503');

// What the package may hold: the compiled code, the catalogue, the rules and the schemas.
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^LICENSE(\.\w+)?$/, /^dist\/(src|harness|collectors)\/.+\.js$/, /^scenarios\//, /^rules\//, /^schemas\//];

/**
 * The environment for the child npm and purple: no npm_* settings inherited from an outer
 * `npm test` (npm_config_local_prefix would point npm at this repository), except the ones that
 * say where the cache and registry are and how to reach them; no NODE_PATH into the source tree.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|cafile|userconfig|globalconfig|registry|proxy|https_proxy|noproxy|strict_ssl)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keep.test(k)) continue;
    if (k === 'INIT_CWD' || k === 'NODE_PATH' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return env;
}

function exec(cmd: string, args: string[], opts: { cwd: string; timeoutMs: number; input?: string }): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: cleanEnv(), encoding: 'utf8', timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

const show = (r: SpawnSyncReturns<string>): string => `exit ${r.status}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

function listJs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJs(p));
    else if (name.endsWith('.js')) out.push(p);
  }
  return out;
}

describe('npm pack, install in an empty folder, run the installed purple', () => {
  let work = '';
  let app = '';
  let tarball = '';
  let packed: string[] = [];
  let installed = '';
  let bin = '';
  const purple = (args: string[], input?: string): SpawnSyncReturns<string> =>
    exec(process.execPath, [bin, ...args], { cwd: app, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

  before(() => {
    // `npm test` has just built dist/; anything else (a single test run) builds it here so a stale
    // dist/ cannot pass for the current sources.
    if (process.env.npm_lifecycle_event !== 'test' || !existsSync(join(ROOT, PKG.bin.purple!))) {
      const b = exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, timeoutMs: 300_000 });
      assert.equal(b.status, 0, `npm run build failed:\n${show(b)}`);
    }
    work = realpathSync(mkdtempSync(join(tmpdir(), 'purple-pack-')));
    const p = exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, timeoutMs: 120_000 });
    assert.equal(p.status, 0, `npm pack failed:\n${show(p)}`);
    const info = JSON.parse(p.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, info[0]!.filename);
    packed = info[0]!.files.map((f) => f.path).sort();

    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'purple-install-check', version: '1.0.0', private: true }, null, 2));
    const i = exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier', '--omit=dev', tarball], { cwd: app, timeoutMs: 180_000 });
    assert.equal(i.status, 0, `npm install of the tarball failed (the registry must be reachable when the npm cache lacks a dependency):\n${show(i)}`);
    installed = join(app, 'node_modules', PKG.name);
    bin = join(installed, PKG.bin.purple!);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds the compiled code, catalogue, rules and schemas, and nothing else', () => {
    const stray = packed.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], 'files outside the published set');
    assert.deepEqual(packed.filter((f) => /(^|\/)(test|tests|fixtures|__pycache__)\/|\.test\.|\.map$|\.ts$|\.tgz$/.test(f)), [], 'test files, source maps or sources');
    for (const must of [PKG.bin.purple!, 'rules/config/det0503.yaml', 'schemas/report.schema.json', 'schemas/scenario.schema.json', 'README.md']) {
      assert.ok(packed.includes(must), `${must} is published`);
    }
    assert.ok(packed.some((f) => /^scenarios\/[^/]+\.yaml$/.test(f)), 'scenario definitions are published');
    assert.ok(packed.some((f) => /^rules\/eql\/.+\.toml$/.test(f)) && packed.some((f) => /^rules\/sigma\/.+\.ya?ml$/.test(f)), 'EQL and Sigma rules are published');
    // Every compiled module of the three code folders ships (none dropped by `files`).
    for (const top of ['src', 'harness', 'collectors']) {
      const built = listJs(join(ROOT, 'dist', top)).map((f) => relative(ROOT, f).split(sep).join('/'));
      assert.deepEqual(built.filter((f) => !packed.includes(f)), [], `dist/${top} modules missing from the tarball`);
    }
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the bin starts with a node shebang');
  });

  test('it installed outside the source tree, with runtime dependencies only', () => {
    assert.ok(!installed.startsWith(realpathSync(ROOT) + sep), 'installed under the temp folder');
    assert.ok(!lstatSync(installed).isSymbolicLink(), 'a copy from the tarball, not a link to the source tree');
    assert.ok(existsSync(join(installed, 'package.json')));
    for (const dev of ['typescript', 'tsx', '@playwright/test', 'fast-check']) assert.ok(!existsSync(join(app, 'node_modules', dev)), `${dev} (a devDependency) is not installed`);
  });

  test('npx purple --help lists the verbs; purple --version is the package version', () => {
    const h = exec('npx', ['--no', '--', 'purple', '--help'], { cwd: app, timeoutMs: 60_000 });
    assert.equal(h.status, 0, show(h));
    assert.match(h.stdout, /^Usage: purple \[options\] \[command\]/);
    for (const verb of ['run', 'list', 'validate', 'cleanup', 'doctor', 'detect', 'report', 'merge', 'verify', 'keygen']) assert.match(h.stdout, new RegExp(`^  ${verb} `, 'm'), `--help lists ${verb}`);
    const v = purple(['--version']);
    assert.equal(v.status, 0, show(v));
    assert.equal(v.stdout.trim(), PKG.version);
    const linked = exec(join(app, 'node_modules', '.bin', 'purple'), ['--version'], { cwd: app, timeoutMs: 60_000 });
    assert.equal(linked.stdout.trim(), PKG.version, 'node_modules/.bin/purple runs');
  });

  test('purple doctor reports collectors (table and JSON)', () => {
    const d = purple(['doctor']);
    assert.equal(d.status, 0, show(d));
    assert.match(d.stdout, /^host .+\n\ncollector +ready/);
    const j = purple(['doctor', '--json']);
    assert.equal(j.status, 0, show(j));
    const parsed = JSON.parse(j.stdout) as { host: { os: string }; collectors: Array<{ id: string; applies: boolean; available: boolean }> };
    assert.ok(parsed.collectors.length >= 3);
    assert.ok(parsed.collectors.some((c) => c.applies), `some collector applies to ${parsed.host.os}`);
  });

  test('purple list shows the shipped catalogue from the installed package', () => {
    const r = purple(['list', '--json']);
    assert.equal(r.status, 0, show(r));
    const cat = JSON.parse(r.stdout) as { scenarios: Array<{ id: string; file: string; variants: Array<{ id: string }> }> };
    const ids = cat.scenarios.map((x) => x.id);
    for (const id of ['openssl-curl', 'python-aes']) assert.ok(ids.includes(id), `${id} is listed`);
    assert.deepEqual(cat.scenarios.map((x) => resolve(app, x.file)).filter((f) => !f.startsWith(join(installed, 'scenarios') + sep)), [], 'scenario files come from the installed package');
    assert.ok(cat.scenarios.every((x) => x.variants.length > 0));
    const table = purple(['list', '--scenario', 'openssl-curl']);
    assert.equal(table.status, 0, show(table));
    assert.match(table.stdout, /^openssl-curl: /m);
  });

  test('purple validate passes on the shipped scenarios, rules and configuration (schemas are published)', () => {
    const r = purple(['validate', '--json']);
    assert.equal(r.status, 0, show(r));
    const v = JSON.parse(r.stdout) as { ok: boolean; summary: { scenarios: number; rule_files: number; config_files: number; problems: number } };
    assert.equal(v.ok, true);
    assert.equal(v.summary.problems, 0);
    assert.ok(v.summary.scenarios >= 4 && v.summary.rule_files >= 12 && v.summary.config_files >= 1, JSON.stringify(v.summary));
  });

  test('purple run --dry-run plans the shipped catalogue from the installed package, loopback only', () => {
    const r = purple(['run', '--dry-run', '--json']);
    assert.equal(r.status, 0, show(r));
    const plan = JSON.parse(r.stdout) as { dry_run: boolean; variants: Array<{ variantId: string }>; commands: Array<{ argv: string[] }>; destinations: string[] };
    assert.equal(plan.dry_run, true);
    assert.ok(plan.variants.length > 0 && plan.commands.length > 0, 'variants and commands planned');
    const scripts = plan.commands.flatMap((c) => c.argv).filter((a) => a.includes(`${sep}scenarios${sep}`));
    assert.ok(scripts.length > 0);
    assert.deepEqual(scripts.filter((a) => !a.startsWith(join(installed, 'scenarios') + sep)), [], 'emulation scripts come from the installed package');
    assert.deepEqual(plan.commands.flatMap((c) => c.argv).filter((a) => a.includes(ROOT)), [], 'nothing from the source tree');
    assert.deepEqual(plan.destinations.filter((d) => !/^[a-z]+:\/\/127\.0\.0\.1[:/]/.test(d)), [], 'every destination is loopback');
    assert.ok(!existsSync(join(app, 'reports')), 'a dry run writes nothing');
  });

  test('purple detect runs the shipped rules from the installed package over a fixture', () => {
    copyFileSync(join(FIX, 'linux-same-process.ndjson'), join(app, 'events.ndjson'));
    copyFileSync(join(FIX, 'linux-near-browser.ndjson'), join(app, 'browser.ndjson'));
    const r = purple(['detect', '--events', 'events.ndjson', '--format', 'json']);
    assert.equal(r.status, 0, show(r));
    const alerts = JSON.parse(r.stdout) as Alert[];
    assert.ok(alerts.some((a) => a.rule.language === 'eql' && a.join_strength === 'same-process'), 'the same-process EQL rule fires');
    assert.ok(alerts.some((a) => a.rule.language === 'sigma'), 'the Sigma pack runs too');
    assert.match(r.stderr, /purple detect: \d+ lines read as ecs/);
    // A near miss (a browser uploads) must stay quiet: the shipped baseline list is in effect.
    const quiet = purple(['detect', '--events', 'browser.ndjson', '--format', 'json', '--quiet']);
    assert.equal(quiet.status, 0, show(quiet));
    assert.deepEqual(JSON.parse(quiet.stdout), []);
    // Bad input is exit 2 with a message, not a stack trace.
    const bad = purple(['detect', '--events', 'missing.ndjson']);
    assert.equal(bad.status, 2, show(bad));
    assert.match(bad.stderr, /events file missing\.ndjson does not exist/);
  });
});
