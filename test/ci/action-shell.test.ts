// The composite action's own shell, run here on Linux step by step as the runner would run it:
// `bash --noprofile --norc -eo pipefail`, the step's `env:` with `${{ inputs.* }}`,
// `${{ github.action_path }}` and `${{ steps.*.outputs.* }}` filled in, GITHUB_OUTPUT / GITHUB_ENV /
// GITHUB_STEP_SUMMARY / RUNNER_TEMP as temp files. `uses:` steps (setup-node) cannot run here;
// sudo, apt-get and npm are shims that record their argv (npm links this checkout's node_modules
// instead of installing). Everything else is real: doctor, keygen, a one-variant run, verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve('.');
const VARIANT = 'openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary';

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { steps: Step[] };
}

const action = parse(readFileSync('action.yml', 'utf8')) as Action;

test('no expression is pasted into the shell of any run: step', () => {
  for (const s of action.runs.steps) {
    if (!s.run) continue;
    assert.doesNotMatch(s.run, /\$\{\{\s*inputs\./, `step "${s.name}" pastes an input into shell`);
    assert.doesNotMatch(s.run, /\$\{\{/, `step "${s.name}" pastes an expression into shell: pass it through env:`);
    assert.equal(s.shell, 'bash');
  }
});

test('every run: step is valid bash (bash -n)', () => {
  for (const s of action.runs.steps) {
    if (!s.run) continue;
    const r = spawnSync('bash', ['-n'], { input: s.run, encoding: 'utf8' });
    assert.equal(r.status, 0, `step "${s.name}": ${r.stderr}`);
  }
});

function shim(dir: string, name: string, body: string): void {
  const p = join(dir, name);
  writeFileSync(p, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(p, 0o755);
}

/** `${{ … }}` in a step's env or if, as the runner would evaluate the few forms the action uses. */
function evaluate(expr: string, ctx: { inputs: Record<string, string>; outputs: Record<string, Record<string, string>> }): string {
  const e = expr.trim();
  let m = /^inputs\.([\w-]+)$/.exec(e);
  if (m) return ctx.inputs[m[1] as string] ?? '';
  if (e === 'github.action_path') return ROOT;
  m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e);
  if (m) return ctx.outputs[m[1] as string]?.[m[2] as string] ?? '';
  m = /^secrets\.\w+$/.exec(e);
  if (m) return '';
  throw new Error(`expression the test does not know: ${e}`);
}

function condition(cond: string | undefined, ctx: Parameters<typeof evaluate>[1]): boolean {
  if (!cond) return true;
  if (cond === "runner.os == 'Linux'") return true;
  if (cond === "runner.os == 'macOS'") return false;
  const m = /^always\(\) && steps\.([\w-]+)\.outputs\.([\w-]+) != ''$/.exec(cond);
  if (m) return evaluate(`steps.${m[1]}.outputs.${m[2]}`, ctx) !== '';
  throw new Error(`if: the test does not know: ${cond}`);
}

function readKv(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

interface StepRun {
  name: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

function runAction(given: Record<string, string>): { steps: StepRun[]; outputs: Record<string, string>; workspace: string; tmp: string; log: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'purple-action-'));
  const runnerTemp = join(tmp, 'runner-temp');
  const workspace = join(tmp, 'caller-workspace');
  const bin = join(tmp, 'bin');
  for (const d of [runnerTemp, workspace, bin]) mkdirSync(d);
  const log = join(tmp, 'shim.log');
  shim(bin, 'sudo', `while [ "\${1:-}" = -E ] || [ "\${1:-}" = -n ]; do shift; done\necho "sudo $*" >> ${JSON.stringify(log)}\nexec "$@"`);
  shim(bin, 'apt-get', `echo "apt-get $*" >> ${JSON.stringify(log)}`);
  shim(bin, 'npm', `echo "npm $* (in $PWD)" >> ${JSON.stringify(log)}\n[ "$1" = ci ] && ln -s ${JSON.stringify(join(ROOT, 'node_modules'))} node_modules\nexit 0`);
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs)) inputs[k] = given[k] ?? v.default ?? '';
  const ctx = { inputs, outputs: {} as Record<string, Record<string, string>> };
  const githubEnv = join(tmp, 'github-env');
  const summary = join(tmp, 'step-summary');
  writeFileSync(githubEnv, '');
  writeFileSync(summary, '');
  const steps: StepRun[] = [];
  let failed = false;
  action.runs.steps.forEach((s, i) => {
    if (!s.run) return; // uses: steps (setup-node) cannot run here
    const always = s.if?.startsWith('always()') === true;
    if ((failed && !always) || !condition(s.if, ctx)) return;
    const outFile = join(tmp, `output-${i}`);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      RUNNER_TEMP: runnerTemp,
      RUNNER_OS: 'Linux',
      GITHUB_OUTPUT: outFile,
      GITHUB_ENV: githubEnv,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: workspace,
      ...readKv(githubEnv),
    };
    for (const [k, v] of Object.entries(s.env ?? {})) env[k] = String(v).replace(/\$\{\{([^}]*)\}\}/g, (_, e: string) => evaluate(e, ctx));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run], { cwd: workspace, env, encoding: 'utf8', timeout: 180_000 });
    steps.push({ name: s.name ?? `step ${i}`, status: r.status, stdout: r.stdout, stderr: r.stderr });
    if (s.id) ctx.outputs[s.id] = readKv(outFile);
    if (r.status !== 0) failed = true;
  });
  const outputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.outputs)) outputs[k] = v.value.replace(/\$\{\{([^}]*)\}\}/g, (_, e: string) => evaluate(e, ctx));
  return { steps, outputs, workspace, tmp, log: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

test('the action runs end to end on Linux: production install into RUNNER_TEMP, signed run, outputs, verify', { skip: !existsSync('dist/src/cli/main.js') && 'needs npm run build' }, () => {
  const r = runAction({ collector: 'procfs', scenarios: VARIANT, args: '--timeout-scale 2' });
  try {
    for (const s of r.steps) assert.ok(s.status === 0 || (s.name === 'Run the scenario set' && s.status === 1), `${s.name} exited ${s.status}: ${s.stderr.slice(-2000)}`);
    assert.match(r.log, /^npm ci --omit=dev --ignore-scripts .*\(in .*runner-temp\/purple-harness\)$/m, 'production dependencies only, in RUNNER_TEMP');
    assert.doesNotMatch(r.log, /npm (run )?build/);
    assert.match(r.outputs['exit-code'] ?? '', /^[01]$/);
    assert.match(r.outputs['coverage'] ?? '', /^(0|1|0\.\d+)$/);
    assert.equal(r.outputs['regressions'], '0');
    for (const k of ['report-json', 'index-html', 'junit-xml', 'summary-md']) assert.ok(existsSync(r.outputs[k] ?? '/nonexistent'), `output ${k} = ${r.outputs[k]}`);
    const report = JSON.parse(readFileSync(r.outputs['report-json'] as string, 'utf8')) as { verdicts: Array<{ variant_id: string }> };
    assert.deepEqual(report.verdicts.map((v) => v.variant_id), [VARIANT]);
    assert.match(r.outputs['key-fingerprint'] ?? '', /^sha256:[0-9a-f]{64}$/);
    const verify = r.steps.find((s) => s.name.startsWith('Verify'));
    assert.equal(verify?.status, 0, verify?.stderr);
    assert.deepEqual(readdirSync(r.workspace), [], "nothing is written into the caller's workspace");
  } finally {
    rmSync(r.tmp, { recursive: true, force: true });
  }
});

test('a pinned fingerprint that is not the signer stops the action before the run', { skip: !existsSync('dist/src/cli/main.js') && 'needs npm run build' }, () => {
  const r = runAction({ collector: 'procfs', scenarios: VARIANT, 'expected-fingerprint': `sha256:${'0'.repeat(64)}` });
  try {
    const key = r.steps.find((s) => s.name === 'Signing key');
    assert.equal(key?.status, 2);
    assert.match(key?.stdout ?? '', /is not the pinned sha256:0{64}/);
    assert.equal(r.steps.some((s) => s.name === 'Run the scenario set'), false);
  } finally {
    rmSync(r.tmp, { recursive: true, force: true });
  }
});

test('an input is data, not shell: a command substitution in an input runs nothing', { skip: !existsSync('dist/src/cli/main.js') && 'needs npm run build' }, () => {
  const r = runAction({ collector: 'procfs', scenarios: '$(touch PWNED)', args: '`touch PWNED2`' });
  try {
    assert.equal(existsSync(join(r.workspace, 'PWNED')), false);
    assert.equal(existsSync(join(r.workspace, 'PWNED2')), false);
    const run = r.steps.find((s) => s.name === 'Run the scenario set');
    assert.equal(run?.status, 2, 'the unknown variant and argument are bad input for purple run');
  } finally {
    rmSync(r.tmp, { recursive: true, force: true });
  }
});
