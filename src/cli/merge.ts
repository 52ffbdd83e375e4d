// purple merge RUN_DIR… --out DIR: one fleet report from runs on many hosts.

import type { Command } from 'commander';
import { join } from 'node:path';
// Only the format list is needed to register the verb; scoring and reporters load when it runs.
import { DEFAULT_FORMATS } from '../report/formats.js';
import { EXIT_OK, action } from './common.js';

export function register(program: Command): void {
  program
    .command('merge')
    .description('join runs from many hosts (e.g. a CI matrix of macOS and Linux runners) into one fleet report with per-host and overall coverage')
    .argument('<run-dirs...>', 'run folders written by `purple run` (each with report.json)')
    .requiredOption('-o, --out <dir>', 'folder for the fleet report')
    .option('-f, --format <list>', `comma-separated formats: ${DEFAULT_FORMATS.join(', ')}`, DEFAULT_FORMATS.join(','))
    .option('--sign <private-key>', 'write manifest.json for the fleet folder and sign it')
    .option('--step-summary', 'also append the Markdown summary to $GITHUB_STEP_SUMMARY')
    .option('--check', 'exit 1 when any host failed an expectation')
    .option('-q, --quiet', 'do not print the summary')
    .addHelpText(
      'after',
      `
Examples:
  purple merge runs/linux runs/macos-14 runs/macos-15 --out fleet
  purple merge runs/* --out fleet --format html,md --check

Each variant becomes <variant-id>@<host> and gains a "host" axis: the HTML matrix can pivot on
it, and coverage.by_axis.host in the merged report.json is the per-host coverage.
Exit codes: 0 written (with --check: and every host met its expectations), 1 with --check and an
expectation failed, 2 a folder is not a run or its report.json is invalid.`,
    )
    .action(
      action(async (dirs: string[], opts: { out: string; format: string; sign?: string; stepSummary?: boolean; check?: boolean; quiet?: boolean }) => {
        const { computeCoverage } = await import('../scoring/index.js');
        const { fleetHosts, formatPercent, mergeReports, parseFormats, readReport, renderConsoleSummary, shouldUseColor, writeFileAtomic, writeManifest, writeStepSummary, renderMarkdown } = await import('../report/index.js');
        const formats = parseFormats(opts.format);
        const key = opts.sign ? await (await import('../pipeline/signing-key.js')).readSigningKey(opts.sign) : undefined;
        const reports = [];
        for (const d of dirs) reports.push(await readReport(d));
        const merged = mergeReports(reports, computeCoverage);
        for (const f of formats) await writeFileAtomic(join(opts.out, f.file), f.render(merged));
        if (key !== undefined) await writeManifest(opts.out, merged, { privateKeyPem: key });
        if (opts.stepSummary) writeStepSummary(renderMarkdown(merged), process.env);
        if (!opts.quiet) {
          process.stdout.write(renderConsoleSummary(merged, { color: shouldUseColor(process.env, process.stdout.isTTY === true), width: process.stdout.columns ?? 100 }));
          for (const h of fleetHosts(reports)) process.stdout.write(`  ${h.host.padEnd(24)} ${h.os.padEnd(24)} coverage ${formatPercent(h.coverage.coverage)} (${h.coverage.detected}/${h.coverage.positives})\n`);
          process.stdout.write(`wrote ${formats.map((f) => join(opts.out, f.file)).join(', ')}\n`);
        }
        return opts.check ? merged.exit_code : EXIT_OK;
      }),
    );
}
