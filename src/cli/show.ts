// purple show VARIANT: everything about one variant before it runs — what it emulates, the exact
// commands of each step with the placeholders filled as a run would fill them (secrets shown as
// <redacted>), what it expects and why (known gap), its axes, ATT&CK mapping, and whether its
// prerequisites are present here, with the command that installs each missing one. Starts nothing.

import type { Command } from 'commander';
import { resolve, join, relative } from 'node:path';
import { PurpleError, type OsType, type Variant } from '../model/index.js';
import { action, packageRoot, parseVarOptions } from './common.js';

export interface ShownStep {
  index: number;
  argv: string[];
  detached: boolean;
  delay_s: number;
}

export interface ShownVariant {
  id: string;
  description: string;
  file: string;
  line?: number;
  platforms: OsType[];
  expect: string;
  known_gap?: string;
  axes: Record<string, string | number | boolean>;
  attack: Variant['attack'];
  cipher: string;
  timeout_s: number;
  steps: ShownStep[];
  /** Why the variant would be skipped on this host, if it would. */
  skip_reason?: string;
  prerequisites: Array<{ kind: string; name: string; present: boolean | null; install?: string }>;
  /** The scenario's inputs (`--var`) with the value in force. */
  inputs?: Record<string, { description: string; default: string; value: string }>;
}

export interface ShowOptions {
  variant: string[];
  scenarios?: string;
  python?: string;
  /** Scenario input overrides (`--var name=value`). */
  vars?: Record<string, string>;
  platform?: OsType;
  cwd?: string;
}

function quote(a: string): string {
  return /^[\w@%+=:,./{}<>-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The variants the patterns select, described for people and for `--json`. */
export async function showVariants(opts: ShowOptions): Promise<ShownVariant[]> {
  const { loadCatalogue, selectVariants, checkPrerequisites, createHostProbes, substitutePlaceholders } = await import('../../harness/scenario/index.js');
  const { planRun } = await import('../../harness/index.js');
  const { createCommandRunner } = await import('../../harness/command-runner.js');
  const root = packageRoot();
  const cwd = opts.cwd ?? process.cwd();
  const scenariosDir = resolve(opts.scenarios ?? join(root, 'scenarios'));
  const platform: OsType = opts.platform ?? (process.platform === 'darwin' ? 'macos' : 'linux');
  const catalogue = loadCatalogue(scenariosDir, opts.vars ? { vars: opts.vars } : {});
  const variants = selectVariants(catalogue, { variant: opts.variant });
  if (!variants.length) {
    throw new PurpleError('NOT_FOUND', `no variant matches ${opts.variant.map((v) => JSON.stringify(v)).join(', ')}`, { hint: 'see `purple list` for the variant ids (scenario/variant; globs such as "openssl-curl/*s_client*" work)' });
  }
  const runner = createCommandRunner();
  const python = opts.python ?? (await runner.which('python3')) ?? 'python3';
  const probes = createHostProbes({ platform, runner, python });
  const plan = await planRun({ runId: 'show', variants, collectors: [], pythonPath: python, scenariosDir, platform, sink: 'loopback' });
  const inputsOf = new Map(catalogue.map((s) => [s.id, s.inputs]));
  const out: ShownVariant[] = [];
  for (const v of variants) {
    const planned = plan.commands.filter((c) => c.variantId === v.id);
    const steps: ShownStep[] = planned.length
      ? planned.map((c) => ({ index: c.stepIndex, argv: c.argv, detached: c.detached, delay_s: c.delay_s }))
      : v.steps.map((s, i) => ({ index: i, argv: substitutePlaceholders(s.argv, { scenarios: scenariosDir, python }), detached: s.detached ?? false, delay_s: s.delay_s ?? 0 }));
    const entry = plan.variants.find((p) => p.variantId === v.id);
    const rel = relative(cwd, v.source.file);
    out.push({
      id: v.id,
      description: v.description,
      file: rel.startsWith('..') ? v.source.file : rel,
      ...(v.source.line !== undefined ? { line: v.source.line } : {}),
      platforms: v.platforms,
      expect: v.expect,
      ...(v.known_gap ? { known_gap: v.known_gap } : {}),
      axes: { ...v.axes },
      attack: v.attack,
      cipher: v.cipher,
      timeout_s: v.timeout_s,
      steps,
      ...(entry && !entry.willRun && entry.reason ? { skip_reason: entry.reason } : {}),
      prerequisites: await checkPrerequisites(v, probes),
      ...(inputsOf.get(v.scenario_id) ? { inputs: inputsOf.get(v.scenario_id)! } : {}),
    });
  }
  return out;
}

export function formatShown(list: readonly ShownVariant[]): string {
  const w: string[] = [];
  for (const v of list) {
    w.push(`${v.id}`);
    w.push(`  ${v.description}`);
    w.push(`  defined at   ${v.file}${v.line ? `:${v.line}` : ''}`);
    w.push(`  expect       ${v.expect === 'positive' ? 'positive: the DET0503 rules should alert' : 'negative control: no rule may alert'}`);
    if (v.known_gap) w.push(`  known gap    ${v.known_gap} (a miss meets the expectation and is listed as skipped in junit.xml)`);
    w.push(`  axes         ${Object.entries(v.axes).map(([k, x]) => `${k}=${String(x)}`).join(' ')}`);
    w.push(`  ATT&CK       ${v.attack.techniques.join(', ')}${v.attack.detection_strategy ? `; ${v.attack.detection_strategy}` : ''}${v.attack.analytics?.length ? ` (${v.attack.analytics.join(', ')})` : ''}`);
    w.push(`  platforms    ${v.platforms.join(', ')}; timeout ${v.timeout_s}s; upload verified as ${v.cipher}`);
    for (const [name, i] of Object.entries(v.inputs ?? {})) w.push(`  input        ${name} = ${JSON.stringify(i.value)}${i.value !== i.default ? ` (default ${JSON.stringify(i.default)})` : ''}: ${i.description}   (--var ${name}=…)`);
    w.push(`  steps (argv exactly as launched; no shell; secrets shown as <redacted>, sink ports are picked at run time):`);
    for (const s of v.steps) w.push(`    ${s.index + 1}. ${s.detached ? '[detached] ' : ''}${s.delay_s ? `[after ${s.delay_s}s] ` : ''}${s.argv.map(quote).join(' ')}`);
    w.push(`  prerequisites${v.skip_reason ? ` (would be skipped here: ${v.skip_reason})` : ''}:`);
    for (const p of v.prerequisites) {
      const state = p.present === true ? 'ok     ' : p.present === false ? 'MISSING' : 'checked at run time';
      w.push(`    ${state} ${p.kind} ${p.name}`);
      if (p.install) w.push(`            install: ${p.install}`);
    }
    w.push(`  run it       sudo purple run --variant '${v.id}'`);
    w.push('');
  }
  return w.join('\n');
}

export function register(program: Command): void {
  program
    .command('show')
    .description('show one variant in full: the commands each step runs (placeholders filled), expectation, known gap, axes, ATT&CK, prerequisites with install hints')
    .argument('<variant...>', 'variant ids or globs, as `purple list` prints them (e.g. openssl-curl/detached)')
    .option('--scenarios <dir>', 'scenario catalogue folder (default: the shipped scenarios/)')
    .option('--python <path>', 'the python3 the Python variants would run with (default: python3 on PATH)')
    .option('--var <name=value...>', 'override a scenario input (see the scenario file\'s inputs:)')
    .option('--json', 'the same as JSON')
    .addHelpText(
      'after',
      `
Examples:
  purple list                                  find a variant
  purple show openssl-curl/detached            what it runs, expects and needs
  purple show 'python-aes/*urllib*' --json     several, as JSON
  sudo purple run --variant openssl-curl/detached

Nothing is started, written or installed. Missing prerequisites come with the command that installs
them; run it yourself. Exit codes: 0 shown, 2 no such variant or a bad scenario file.`,
    )
    .action(
      action(async (patterns: string[], opts: { scenarios?: string; python?: string; var?: string[]; json?: boolean }) => {
        const vars = parseVarOptions(opts.var);
        const list = await showVariants({ variant: patterns, ...(opts.scenarios ? { scenarios: opts.scenarios } : {}), ...(opts.python ? { python: opts.python } : {}), ...(vars ? { vars } : {}) });
        process.stdout.write(opts.json ? JSON.stringify({ variants: list }, null, 2) + '\n' : formatShown(list));
        return 0;
      }),
    );
}
