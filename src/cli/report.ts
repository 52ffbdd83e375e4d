// purple report RUN_DIR: re-render every format from RUN_DIR/report.json (validated first).

import type { Command } from 'commander';
import { join } from 'node:path';
// Only the format list is needed to register the verb; the reporters load when it runs (fast --help).
import { DEFAULT_FORMATS } from '../report/formats.js';
import { EXIT_OK, action } from './common.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('re-render the reports of a run folder (HTML, JUnit, Markdown, ATT&CK Navigator layer, JSON) from its report.json')
    .argument('<run-dir>', 'a folder written by `purple run` (or the path of its report.json)')
    .option('-f, --format <list>', `comma-separated formats: ${DEFAULT_FORMATS.join(', ')}`, DEFAULT_FORMATS.join(','))
    .option('-o, --out <dir>', 'write into this folder instead of the run folder')
    .option('--sign <private-key>', 'write manifest.json and sign it with this Ed25519 key (from `purple keygen`)')
    .option('--step-summary', 'also append the Markdown summary to $GITHUB_STEP_SUMMARY')
    .option('--check', "exit 1 when the run's expectations failed (default: exit 0 once the reports are written)")
    .option('-q, --quiet', 'do not print the summary')
    .addHelpText(
      'after',
      `
Examples:
  purple report reports/latest                                  the newest run
  purple report reports/20261129T100000Z-lab
  purple report reports/20261129T100000Z-lab --format html,junit --out /tmp/view
  purple report reports/latest --sign keys/purple-signing.pem     re-render and re-sign the bundle
  purple report reports/latest --check --quiet                   exit 1 if an expectation failed

Writes: report.json, index.html, junit.xml, summary.md, navigator-layer.json (by --format).
Exit codes: 0 written (with --check: and all expectations met), 1 with --check and an
expectation failed, 2 not a run folder, or report.json does not match its schema.`,
    )
    .action(
      action(async (runDir: string, opts: { format: string; out?: string; sign?: string; stepSummary?: boolean; check?: boolean; quiet?: boolean }) => {
        const { parseFormats, readKeyFile, readReport, resolveRunDir, renderConsoleSummary, shouldUseColor, writeFileAtomic, writeManifest, writeStepSummary, renderMarkdown, renderNavigatorLayer, renderControlNavigatorLayers, controlLayerFile } = await import('../report/index.js');
        const formats = parseFormats(opts.format);
        const key = opts.sign ? await (await import('../pipeline/signing-key.js')).readSigningKey(opts.sign) : undefined;
        const report = await readReport(runDir);
        const dir = resolveRunDir(runDir);
        const outDir = opts.out ?? (dir.endsWith('.json') ? join(dir, '..') : dir);
        for (const f of formats) await writeFileAtomic(join(outDir, f.file), f.render(report));
        // A run with real controls has one more Navigator layer per control (docs/controls.md).
        if (formats.some((f) => f.id === 'navigator')) {
          for (const { control, layer } of renderControlNavigatorLayers(report, renderNavigatorLayer(report))) await writeFileAtomic(join(outDir, controlLayerFile(control)), JSON.stringify(layer, null, 2) + '\n');
        }
        if (key !== undefined) await writeManifest(outDir, report, { privateKeyPem: key });
        if (opts.stepSummary) writeStepSummary(renderMarkdown(report), process.env);
        if (!opts.quiet) {
          process.stdout.write(renderConsoleSummary(report, { color: shouldUseColor(process.env, process.stdout.isTTY === true), width: process.stdout.columns ?? 100 }));
          process.stdout.write(`wrote ${formats.map((f) => join(outDir, f.file)).join(', ')}${key ? `, ${join(outDir, 'manifest.json')} (signed)` : ''}\n`);
        }
        return opts.check ? report.exit_code : EXIT_OK;
      }),
    );
}
