// purple rescore RUN-DIR: re-detects and re-scores a recorded run's telemetry with other (or the
// same) rules and configuration, without running an emulation; writes a new report folder whose
// report.json names both rule sets (paths and SHA-256 digests) and the verdicts that changed.

import type { Command } from 'commander';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { PurpleError, type RunReport, type TelemetryEvent } from '../model/index.js';
import { DEFAULT_FORMATS } from '../report/formats.js';
import { collectRuleFiles, loadDetectorConfig, loadFieldCatalog } from '../pipeline/index.js';
import { compileRulesWithDiagnostics } from '../detector/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, action, packageRoot, packageVersion } from './common.js';
import { sha256, type RuleSet } from '../pipeline/index.js';
import { rescoreRun } from './rescore-run.js';

interface RescoreOpts {
  rules?: string;
  config?: string;
  sigmaMapping?: string;
  out?: string;
  format?: string;
  json?: boolean;
}

/** The run's normalised events: events.ndjson when the run wrote it, else report.json's events. */
export function readRunTelemetry(runDir: string, report: RunReport): { events: TelemetryEvent[]; source: string } {
  const nd = join(runDir, 'events.ndjson');
  if (!existsSync(nd)) return { events: report.events, source: 'report.json' };
  const events: TelemetryEvent[] = [];
  readFileSync(nd, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        events.push(JSON.parse(line) as TelemetryEvent);
      } catch (e) {
        throw new PurpleError('BAD_INPUT', `events.ndjson line ${i + 1} is not JSON: ${(e as Error).message}`, { location: { file: nd, line: i + 1 }, hint: 'the file was cut short or edited; remove it to rescore from report.json' });
      }
    });
  return { events, source: 'events.ndjson' };
}

function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r === '' || r.startsWith('..') ? p : r;
}

export function register(program: Command): void {
  program
    .command('rescore')
    .description("re-run detection and scoring over a recorded run's telemetry with other (or the same) rules, without running an emulation; the new report names both rule sets")
    .argument('<run-dir>', 'a run folder written by `purple run` (or its report.json)')
    .option('-r, --rules <path>', 'rule file or folder (default: the shipped rules/)')
    .option('-c, --config <file>', 'detector configuration (default: rules/config/det0503.yaml)')
    .option('--sigma-mapping <file>', 'Sigma field mapping to use instead of the sigma-mapping.yaml beside the configuration')
    .option('-o, --out <dir>', 'write the new report folder here (default: <run-dir>-rescored)')
    .option('-f, --format <list>', `report formats, separated by commas (default: ${DEFAULT_FORMATS.join(',')})`)
    .option('--json', 'print what changed as JSON')
    .addHelpText(
      'after',
      `
The telemetry is the run's normalised events (events.ndjson when present, else report.json's
events); the ground truth is the run's own (what each variant did, what the sink received).
Variants that were skipped or could not run keep their verdicts. A run recorded on a macOS runner
can be rescored on Linux.

Examples:
  purple rescore reports/latest-run --rules site-rules/ --out reports/rescored
  purple rescore reports/<id> --config site/det0503.yaml --json

Exit codes: 0 every expectation met, 1 an expectation failed with these rules, 2 bad input.`,
    )
    .action(
      action(async (runDirArg: string, opts: RescoreOpts) => {
        const { readReport, writeRunReports, renderConsoleSummary, shouldUseColor } = await import('../report/index.js');
        const root = packageRoot();
        if (!existsSync(runDirArg)) throw new PurpleError('NOT_FOUND', `${runDirArg} does not exist`, { hint: 'pass a run folder written by `purple run` (reports/<run-id>/)' });
        const runDir = statSync(runDirArg).isDirectory() ? resolve(runDirArg) : dirname(resolve(runDirArg));
        const original = await readReport(runDirArg);
        const originalSha = sha256(readFileSync(join(runDir, 'report.json'), 'utf8'));
        const { events, source } = readRunTelemetry(runDir, original);

        const rulesPath = resolve(opts.rules ?? join(root, 'rules'));
        const configPath = resolve(opts.config ?? join(root, 'rules', 'config', 'det0503.yaml'));
        const detectorConfig = loadDetectorConfig(configPath, opts.sigmaMapping !== undefined ? { sigmaMapping: opts.sigmaMapping } : {});
        const files = collectRuleFiles(rulesPath);
        const fields = loadFieldCatalog(root);
        const loaded = compileRulesWithDiagnostics(files, { config: detectorConfig.config, maxOpenSequences: 10_000, ...(fields ? { fields } : {}) });
        for (const w of loaded.warnings) process.stderr.write(`purple: warning: ${w.format()}\n`);
        if (loaded.errors.length) {
          for (const e of loaded.errors) process.stderr.write(`purple: ${e.format()}\n`);
          return EXIT_BAD_INPUT;
        }
        const rules: RuleSet = { files, config: detectorConfig.config, maxOpenSequences: 10_000, root: rulesPath, compiled: loaded.rules };

        const report = rescoreRun({
          original,
          originalSha256: originalSha,
          events,
          telemetrySource: source,
          rules,
          rulesPath: shown(rulesPath),
          configFiles: detectorConfig.files.map((f) => ({ file: shown(realpathSync(f.path)), sha256: sha256(f.bytes.toString('utf8')) })),
          argv: ['rescore', ...process.argv.slice(3)],
          now: new Date(),
          tool: { version: packageVersion() },
        });
        const outDir = resolve(opts.out ?? join(dirname(runDir), `${basename(runDir)}-rescored`));
        if (outDir === runDir) throw new PurpleError('BAD_INPUT', '--out is the recorded run folder itself', { hint: 'write the rescored report elsewhere; the recording stays as it was' });
        const formats = opts.format ? opts.format.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
        await writeRunReports(outDir, report, formats ? { formats } : {});
        const r = report.rescore!;
        if (opts.json) {
          process.stdout.write(JSON.stringify({ report_dir: outDir, exit_code: report.exit_code, coverage: report.coverage, original: r.original.rules_digest, rules: r.rules.digest, changed: r.changed }, null, 2) + '\n');
        } else {
          const color = shouldUseColor(process.env, process.stdout.isTTY === true);
          process.stdout.write(renderConsoleSummary(report, { color, width: process.stdout.columns ?? 100 }));
          process.stdout.write(`\nrescored ${original.run.id} (${source}): rules ${r.rules.path} sha256:${r.rules.digest.slice(0, 16)}… (recorded with sha256:${r.original.rules_digest.slice(0, 16)}…)\n`);
          if (!r.changed.length) process.stdout.write('no verdict changed\n');
          for (const c of r.changed) process.stdout.write(`changed: ${c.variant_id}: ${c.before}${c.join_before ? ` (${c.join_before})` : ''} → ${c.after}${c.join_after ? ` (${c.join_after})` : ''}\n`);
          process.stdout.write(`report: ${join(outDir, 'report.json')}\n`);
        }
        return report.exit_code === 0 ? EXIT_OK : report.exit_code;
      }),
    );
}
