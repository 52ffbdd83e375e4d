// purple alerts RUN-DIR --from SOURCE…: attach the real controls' alerts to a run that has ended
// (controls often alert minutes later), re-render its reports, and record in the run folder
// which sources were asked, when, and what came back (controls/<name>.ndjson, secrets removed).

import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PurpleError } from '../model/index.js';
import { EXIT_EXPECTATION_FAILED, EXIT_OK, action } from './common.js';

interface AlertsCliOptions {
  from: string[];
  wait?: string;
  poll?: string;
  format?: string;
  sign?: string;
  requireControl?: string[];
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('alerts')
    .description("attach the team's own EDR/SIEM alerts to a finished run and re-render its reports")
    .argument('<run-dir>', 'a folder written by `purple run`')
    .requiredOption('--from <spec...>', 'control sources: file:PATH[,format=…], webhook[,port=…], elastic[,url=…], splunk[,url=…] (docs/controls.md)')
    .option('--wait <duration>', 'poll the live sources until every positive variant has an alert, or this long (e.g. 10m; default 0: ask once)')
    .option('--poll <duration>', 'pause between polls (default 15s)')
    .option('-f, --format <list>', 'report formats to re-render (default: all)')
    .option('--sign <private-key>', 're-sign the evidence bundle (needed when the run folder was signed)')
    .option('--require-control <name...>', 'exit 1 when this control did not meet a variant\'s expectation, or is pending or unavailable')
    .option('--json', 'print the controls section as JSON')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Examples:
  purple alerts reports/latest-run --from file:defender.json,format=defender
  purple alerts reports/R --from elastic --wait 15m          PURPLE_ELASTIC_URL, PURPLE_ELASTIC_API_KEY(_FILE)
  purple alerts reports/R --from splunk,search="search index=notable" --from webhook,port=8787 --wait 10m

A source asked again replaces its earlier answer; sources not named keep theirs.
Exit codes: 0 attached and written (with --require-control: and every required control met its
expectations), 1 a required control did not, 2 bad input (not a run folder, unknown source, no
credential, a signed folder without --sign).`,
    )
    .action(action(async (runDir: string, opts: AlertsCliOptions) => alertsCommand(runDir, opts)));
}

export async function alertsCommand(runDir: string, opts: AlertsCliOptions): Promise<number> {
  const { attachControls, checkRequired, closeSessions, controlExitProblems, openControlSessions, parseControlSpecs, parseWaitDuration } = await import('../pipeline/controls/index.js');
  const { describeControls, readKeyFile, readReport, writeRunReports, DEFAULT_FORMATS, MANIFEST_FILE } = await import('../report/index.js');
  const report = await readReport(runDir);
  const dir = runDir.endsWith('.json') ? join(runDir, '..') : runDir;
  const specs = parseControlSpecs(opts.from);
  const names = [...new Set([...(report.controls?.sources.map((s) => s.control) ?? []), ...specs.map((s) => s.name)])];
  checkRequired(opts.requireControl ?? [], names);
  const waitMs = parseWaitDuration(opts.wait, '--wait', 0);
  const pollMs = parseWaitDuration(opts.poll, '--poll', 15_000);
  const manifestPath = join(dir, MANIFEST_FILE);
  if (existsSync(manifestPath) && !opts.sign) {
    throw new PurpleError('BAD_INPUT', `${dir} is a signed evidence bundle: attaching alerts changes its files`, {
      location: { file: manifestPath },
      hint: 'pass --sign KEY to re-sign it (the manifest then records the controls/ files), or copy the folder first',
    });
  }
  const key = opts.sign ? await readKeyFile(opts.sign, 'private') : undefined;
  const config = existingConfigDigests(manifestPath);
  const log = opts.quiet ? undefined : (l: string): void => void process.stderr.write(l + '\n');
  const sessions = await openControlSessions(specs, { runId: report.run.id, env: process.env, ...(log ? { log } : {}) });
  let updated;
  try {
    updated = await attachControls(report, sessions, { waitMs, pollMs, secrets: [], runDir: dir, ...(log ? { log } : {}) });
  } finally {
    await closeSessions(sessions);
  }
  const formats = opts.format ? opts.format.split(',').map((s) => s.trim()) : DEFAULT_FORMATS;
  await writeRunReports(dir, updated, { formats, ...(key ? { privateKeyPem: key } : {}), ...(config ? { config } : {}) });
  const problems = controlExitProblems(updated, opts.requireControl ?? []);
  if (opts.json) process.stdout.write(JSON.stringify({ run_id: updated.run.id, controls: updated.controls, required_not_met: problems }, null, 2) + '\n');
  else if (!opts.quiet) {
    process.stdout.write(describeControls(updated));
    if (problems.length) process.stdout.write(`required control(s) not met:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.stdout.write(`re-rendered ${join(dir, 'index.html')}\n`);
  }
  return problems.length ? EXIT_EXPECTATION_FAILED : EXIT_OK;
}

/** The detector-configuration digests of the manifest being replaced, so re-signing keeps them. */
function existingConfigDigests(manifestPath: string): Array<{ file: string; sha256: string }> | undefined {
  if (!existsSync(manifestPath)) return undefined;
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { config?: Array<{ file: string; sha256: string }> };
    return m.config?.map((c) => ({ file: c.file, sha256: c.sha256 }));
  } catch {
    return undefined;
  }
}
