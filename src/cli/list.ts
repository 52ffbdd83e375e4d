// purple list: the scenario catalogue and its variants, with what each expects, which ATT&CK
// techniques it exercises, and whether it can run on this host (and why not).

import type { Command } from 'commander';
import { join, relative, resolve } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { createHostProbes, findSkipReason, formatDiagnostic, loadCatalogueWithDiagnostics, selectVariants, type HostProbes, type ScenarioDiagnostic } from '../../harness/scenario/index.js';
import { PurpleError, type OsType, type Scenario, type Variant, type VariantAxes } from '../model/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, action, packageRoot } from './common.js';
import { readHostFacts } from '../pipeline/index.js';

const PLATFORMS: readonly OsType[] = ['linux', 'macos'];

export interface ListedVariant {
  id: string;
  name: string;
  description: string;
  platforms: OsType[];
  expect: 'positive' | 'negative';
  /** Why the shipped rules are known to miss it (positive variants only). */
  known_gap?: string;
  techniques: string[];
  analytics: string[];
  axes: VariantAxes;
  runs_here: boolean;
  skip_reason?: string;
  source: { file: string; line?: number };
}

export interface ListedScenario {
  id: string;
  title: string;
  file: string;
  techniques: string[];
  detection_strategy?: string;
  analytics: string[];
  variants: ListedVariant[];
}

export interface CatalogueListing {
  host: { os: string };
  scenarios: ListedScenario[];
  summary: { scenarios: number; variants: number; runs_here: number; skipped: number; positive: number; negative: number; known_gaps: number };
  /** Problems in the catalogue files; the variants that loaded are listed anyway. */
  problems: ScenarioDiagnostic[];
}

export interface ListOptions {
  scenario?: string[];
  variant?: string[];
  platform?: string;
  /** Catalogue folder (default: the shipped scenarios/). */
  scenarios?: string;
  /** The python3 the module probes use (default: python3 on PATH). */
  python?: string;
  /** Answers "can it run here"; default: probes of this host. */
  probes?: HostProbes;
  /** Paths in the output are shown relative to this folder. */
  cwd?: string;
}

function parsePlatform(p: string | undefined): OsType | undefined {
  if (p === undefined) return undefined;
  if (!(PLATFORMS as readonly string[]).includes(p)) throw new PurpleError('BAD_INPUT', `unknown --platform ${JSON.stringify(p)}`, { hint: `use one of: ${PLATFORMS.join(', ')}` });
  return p as OsType;
}

async function hostProbes(python: string | undefined): Promise<HostProbes | { unsupported: string }> {
  const host = readHostFacts();
  if (host.os === 'other') return { unsupported: `this host's OS (${process.platform}) runs no variant` };
  const runner = createCommandRunner();
  // The sink's listeners are only known once a run starts it; they are not checked here.
  return createHostProbes({ platform: host.os, runner, python: python ?? (await runner.which('python3')) ?? 'python3' });
}

/** Loads, filters and probes the catalogue. Bad filters throw; catalogue problems come back as data. */
export async function listCatalogue(opts: ListOptions = {}): Promise<CatalogueListing> {
  const platform = parsePlatform(opts.platform);
  const dir = resolve(opts.scenarios ?? join(packageRoot(), 'scenarios'));
  const { scenarios, diagnostics } = loadCatalogueWithDiagnostics(dir);
  const cwd = opts.cwd ?? process.cwd();
  const show = (p: string): string => {
    const r = relative(cwd, resolve(p));
    return r.startsWith('..') ? resolve(p) : r;
  };
  // Filters are only checked against a catalogue that loaded: with none, the problems say why.
  const selected = scenarios.length
    ? selectVariants(scenarios, {
        ...(opts.scenario?.length ? { scenario: opts.scenario } : {}),
        ...(opts.variant?.length ? { variant: opts.variant } : {}),
        ...(platform ? { platform } : {}),
      })
    : [];
  const wanted = new Set(selected.map((v) => v.id));
  const probes = opts.probes ?? (await hostProbes(opts.python));

  const listVariant = async (v: Variant): Promise<ListedVariant> => {
    const reason = 'unsupported' in probes ? probes.unsupported : await findSkipReason(v, probes);
    const out: ListedVariant = {
      id: v.id,
      name: v.name,
      description: v.description,
      platforms: v.platforms,
      expect: v.expect,
      techniques: v.attack.techniques,
      analytics: v.attack.analytics ?? [],
      axes: v.axes,
      runs_here: reason === undefined,
      source: { ...v.source, file: show(v.source.file) },
    };
    if (v.known_gap !== undefined) out.known_gap = v.known_gap;
    if (reason !== undefined) out.skip_reason = reason;
    return out;
  };

  const listed: ListedScenario[] = [];
  for (const s of scenarios as Scenario[]) {
    const vs = s.variants.filter((v) => wanted.has(v.id));
    if (!vs.length) continue;
    const entry: ListedScenario = { id: s.id, title: s.title, file: show(s.file), techniques: s.attack.techniques, analytics: s.attack.analytics ?? [], variants: [] };
    if (s.attack.detection_strategy !== undefined) entry.detection_strategy = s.attack.detection_strategy;
    for (const v of vs) entry.variants.push(await listVariant(v));
    listed.push(entry);
  }
  const all = listed.flatMap((s) => s.variants);
  return {
    host: { os: 'unsupported' in probes ? process.platform : probes.platform },
    scenarios: listed,
    summary: {
      scenarios: listed.length,
      variants: all.length,
      runs_here: all.filter((v) => v.runs_here).length,
      skipped: all.filter((v) => !v.runs_here).length,
      positive: all.filter((v) => v.expect === 'positive').length,
      negative: all.filter((v) => v.expect === 'negative').length,
      known_gaps: all.filter((v) => v.known_gap !== undefined).length,
    },
    problems: diagnostics.map((d) => ({ ...d, file: show(d.file) })),
  };
}

function expectation(v: ListedVariant): string {
  return v.known_gap !== undefined ? 'positive (known gap)' : v.expect === 'negative' ? 'negative control' : 'positive';
}

function axesLine(a: VariantAxes): string {
  const core = ['interpreter', 'encryption', 'upload', 'lineage'].map((k) => `${k}=${String(a[k])}`);
  const extra = Object.entries(a)
    .filter(([k]) => !['interpreter', 'encryption', 'upload', 'lineage', 'delay_s', 'masquerade'].includes(k))
    .map(([k, v]) => `${k}=${String(v)}`);
  return [...core, `delay=${a.delay_s}s`, ...(a.masquerade ? ['masquerade'] : []), ...extra].join(' ');
}

/** The listing as people read it: one block per scenario, one row per variant. */
export function formatListing(l: CatalogueListing, opts: { long?: boolean } = {}): string {
  const out: string[] = [];
  for (const s of l.scenarios) {
    out.push(`${s.id}: ${s.title}  (${s.file})`);
    out.push(`  ATT&CK ${s.techniques.join(' ')}${s.detection_strategy ? ` · ${s.detection_strategy}` : ''}${s.analytics.length ? ` · ${s.analytics.join(' ')}` : ''}`);
    const rows = s.variants.map((v) => [v.name, v.platforms.join(','), expectation(v), v.techniques.join(' '), v.runs_here ? 'yes' : `no: ${v.skip_reason ?? ''}`]);
    const head = ['variant', 'platforms', 'expect', 'techniques', 'runs here'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const fmt = (r: string[]): string => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
    out.push(fmt(head));
    s.variants.forEach((v, i) => {
      out.push(fmt(rows[i] ?? []));
      if (opts.long) {
        out.push(`      ${v.description}`);
        out.push(`      ${axesLine(v.axes)}`);
        if (v.known_gap) out.push(`      known gap: ${v.known_gap}`);
        out.push(`      defined at ${v.source.file}${v.source.line ? `:${v.source.line}` : ''}`);
      }
    });
    out.push('');
  }
  const m = l.summary;
  if (!m.variants) out.push('no variant matches');
  else
    out.push(
      `${m.variants} variant${m.variants === 1 ? '' : 's'} in ${m.scenarios} scenario${m.scenarios === 1 ? '' : 's'}: ${m.positive} positive (${m.known_gaps} known gap${m.known_gaps === 1 ? '' : 's'}), ${m.negative} negative control${m.negative === 1 ? '' : 's'}; ` +
        `${m.runs_here} can run on this host (${l.host.os}), ${m.skipped} would be skipped`,
    );
  return out.join('\n') + '\n';
}

interface ListCliOpts {
  scenario?: string[];
  variant?: string[];
  platform?: string;
  scenarios?: string;
  python?: string;
  json?: boolean;
  long?: boolean;
}

export function register(program: Command): void {
  program
    .command('list')
    .description('show the scenario catalogue: every variant, what it expects, its ATT&CK techniques, and whether it can run on this host')
    .option('-s, --scenario <glob...>', 'only these scenarios (ids or globs, e.g. python-aes)')
    .option('-v, --variant <glob...>', 'only these variants (ids, bare names or globs, e.g. "openssl-curl/*curl*")')
    .option('-p, --platform <os>', `only variants declared for this platform: ${PLATFORMS.join(', ')}`)
    .option('--scenarios <dir>', 'scenario catalogue folder (default: the shipped scenarios/)')
    .option('--python <path>', 'the python3 to probe modules with (default: python3 on PATH)')
    .option('-l, --long', 'also show each variant\'s description, axes, known gap and source line')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
"runs here" answers for this host: the platform, the binaries the variant needs (requires), the
python modules (requires_python, probed with the python3 that purple run uses) and node packages.
The sink's TLS listener (openssl s_client variants) is only known when a run starts.
expect: positive (the analytic should fire), positive (known gap) (the shipped rules are known to
miss it; a miss does not fail the run), negative control (it must not fire).

Examples:
  purple list                                  every scenario and variant
  purple list --scenario python-aes --long     one scenario, with axes and descriptions
  purple list --variant '*curl*' --platform linux
  purple list --json | jq '.scenarios[].variants[] | select(.runs_here | not) | .skip_reason'

Exit codes: 0 listed, 2 a filter matches nothing or a catalogue file has problems (they are printed,
the variants that loaded are still listed).`,
    )
    .action(
      action(async (opts: ListCliOpts) => {
        const listing = await listCatalogue({
          ...(opts.scenario ? { scenario: opts.scenario } : {}),
          ...(opts.variant ? { variant: opts.variant } : {}),
          ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
          ...(opts.scenarios !== undefined ? { scenarios: opts.scenarios } : {}),
          ...(opts.python !== undefined ? { python: opts.python } : {}),
        });
        if (opts.json) process.stdout.write(JSON.stringify(listing, null, 2) + '\n');
        else process.stdout.write(formatListing(listing, { long: opts.long ?? false }));
        for (const d of listing.problems) process.stderr.write(`purple: ${formatDiagnostic(d)}\n`);
        if (listing.problems.length) process.stderr.write(`purple: ${listing.problems.length} problem(s) in the catalogue; \`purple validate\` checks it\n`);
        return listing.problems.length ? EXIT_BAD_INPUT : EXIT_OK;
      }),
    );
}
