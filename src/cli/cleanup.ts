// purple cleanup: undo what a crashed or interrupted run left behind, from the state file the run
// kept (processes, audit rules by key, namespaces and links, temp paths, the workspace). Safe to run
// again: a second cleanup finds nothing and changes nothing.

import type { Command } from 'commander';
import { cleanupRun, defaultStateDir, listRuns, readRunState, stateFilePath, type RunListing } from '../../harness/index.js';
import { PurpleError, type CleanupStep } from '../model/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, action } from './common.js';

export interface RunCleanup {
  runId: string;
  /** The run had a state file when the cleanup started. */
  hadState: boolean;
  steps: CleanupStep[];
  ok: boolean;
  /** Not attempted, and why (a run that is still active, a state file that does not parse). */
  skipped?: string;
}

/** Whether a sweep without a state file found anything of the run (a process or its workspace). */
function sweepFoundSomething(steps: CleanupStep[]): boolean {
  return steps.some((s) => (/processes/.test(s.what) && /^stopped/.test(s.detail ?? '')) || (/^remove workspace/.test(s.what) && s.ok && s.detail === undefined));
}

/** Cleans up one run. Without a state file it still sweeps what the run id alone names. */
export async function cleanupOne(runId: string, opts: { stateDir: string; force?: boolean }): Promise<RunCleanup> {
  const state = await readRunState(runId, opts.stateDir);
  const steps = await cleanupRun(runId, { stateDir: opts.stateDir, ...(opts.force ? { force: true } : {}) });
  return { runId, hadState: state !== undefined, steps, ok: steps.every((s) => s.ok) };
}

function formatSteps(r: RunCleanup): string[] {
  return r.steps.map((s) => `  ${s.ok ? 'ok  ' : 'FAIL'}  ${s.what}${s.detail ? `: ${s.detail}` : ''}`);
}

function describeListing(l: RunListing): string {
  if (!l.state) return `${l.runId}  unreadable state file ${l.file}: ${l.problem ?? ''}`;
  const s = l.state;
  const status = l.active ? `running (harness pid ${s.harnessPid} alive)` : s.status === 'running' ? 'crashed or killed (harness gone)' : s.status;
  return [
    `${l.runId}  ${status}`,
    `    started ${s.startedAt} on ${s.hostName}, last update ${s.updatedAt}`,
    `    workspace ${s.workspace}${s.keepWorkspace ? ' (kept on purpose)' : ''}`,
    `    ${s.processes.length} process group(s), ${s.artifacts.length} artifact(s)${s.artifacts.length ? `: ${s.artifacts.map((a) => `${a.kind} ${a.value}`).join(', ')}` : ''}`,
    ...(s.lastCleanup?.filter((c) => !c.ok).map((c) => `    last cleanup failed at: ${c.what}${c.detail ? ` (${c.detail})` : ''}`) ?? []),
  ].join('\n');
}

interface CleanupOpts {
  all?: boolean;
  list?: boolean;
  force?: boolean;
  stateDir?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('cleanup')
    .description('undo what a crashed or interrupted run left behind (processes, audit rules, namespaces, workspace), from its state file')
    .argument('[run-id]', 'the run to clean up (see --list)')
    .option('--all', 'clean up every run that has a state file and is not running any more')
    .option('--list', 'show the runs that have a state file, and what each recorded')
    .option('--force', 'also clean up a run whose harness process is still alive')
    .option('--state-dir <dir>', 'where run state files are kept (default: $PURPLE_STATE_DIR, /var/lib/purple-harness/runs as root, else ~/.local/state/purple-harness/runs)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Every run keeps a state file of what it created until its own cleanup has finished; a run that
was killed (kill -9, a second Ctrl-C, a reboot) leaves it behind. Cleanup stops the run's process
groups and every process carrying its PURPLE_RUN_ID marker, removes its audit rules by key, its
network namespace and links, its temp paths and its workspace, then deletes the state file. When
a step fails, the state file is kept (status cleanup-incomplete) so the cleanup can be run again.
Cleaning up twice is safe: the second time there is nothing left to undo.

Examples:
  purple cleanup --list                 runs with a state file on this host
  sudo purple cleanup 20250101T120000Z-ab12
  sudo purple cleanup --all             e.g. in a CI step that always runs (exits 0 when nothing is left)

Run as the same user as the run (root for runs that used the audit collector or a netns sink).
Exit codes: 0 cleaned up (or nothing to do with --all), 2 an unknown run id, a run that is still
active, or a step that failed.`,
    )
    .action(
      action(async (runId: string | undefined, opts: CleanupOpts) => {
        const stateDir = opts.stateDir ?? defaultStateDir();
        const modes = [runId !== undefined, opts.all === true, opts.list === true].filter(Boolean).length;
        if (modes !== 1) {
          throw new PurpleError('BAD_INPUT', modes === 0 ? 'name the run to clean up' : 'give one of: a run id, --all, --list', {
            hint: 'purple cleanup RUN-ID | purple cleanup --all | purple cleanup --list',
          });
        }
        const out = (s: string): void => void process.stdout.write(s + '\n');

        if (opts.list) {
          const runs = await listRuns(stateDir);
          if (opts.json) out(JSON.stringify({ stateDir, runs }, null, 2));
          else if (!runs.length) out(`no run has a state file in ${stateDir}: nothing to clean up`);
          else out(runs.map(describeListing).join('\n') + `\n\n${runs.length} run(s) in ${stateDir}; \`purple cleanup RUN-ID\` or \`--all\` undoes what they left`);
          return EXIT_OK;
        }

        if (runId !== undefined) {
          const r = await cleanupOne(runId, { stateDir, ...(opts.force ? { force: true } : {}) });
          const known = r.hadState || sweepFoundSomething(r.steps);
          if (opts.json) out(JSON.stringify({ stateDir, runs: [r] }, null, 2));
          else {
            out(`cleanup of run ${runId} (${r.hadState ? `state file ${stateFilePath(runId, stateDir)}` : 'no state file'})`);
            for (const l of formatSteps(r)) out(l);
          }
          if (!known) {
            throw new PurpleError('NOT_FOUND', `nothing of run ${runId} is here: no state file in ${stateDir}, no process, no workspace`, {
              hint: 'the run was already cleaned up, or the id is wrong: `purple cleanup --list` shows the runs with a state file (check --state-dir and the user: root keeps them in /var/lib/purple-harness/runs)',
            });
          }
          if (!r.ok) {
            const active = r.steps.length === 1 && /still active/.test(r.steps[0]?.detail ?? '');
            process.stderr.write(
              active
                ? `purple: run ${runId} is still running; stop it first (Ctrl-C), or pass --force\n`
                : `purple: cleanup of run ${runId} is incomplete: fix the failed step(s) above and run \`purple cleanup ${runId}\` again (the state file is kept)\n`,
            );
            return EXIT_BAD_INPUT;
          }
          if (!opts.json) out(`run ${runId}: cleaned up`);
          return EXIT_OK;
        }

        // --all
        const listings = await listRuns(stateDir);
        const results: RunCleanup[] = [];
        for (const l of listings) {
          if (!l.state) {
            results.push({ runId: l.runId, hadState: false, steps: [], ok: false, skipped: `unreadable state file ${l.file}: ${l.problem ?? ''}` });
            continue;
          }
          if (l.active && !opts.force) {
            results.push({ runId: l.runId, hadState: true, steps: [], ok: true, skipped: `still running (harness pid ${l.state.harnessPid}); --force cleans it up anyway` });
            continue;
          }
          results.push(await cleanupOne(l.runId, { stateDir, ...(opts.force ? { force: true } : {}) }));
        }
        if (opts.json) out(JSON.stringify({ stateDir, runs: results }, null, 2));
        else {
          if (!results.length) out(`no run has a state file in ${stateDir}: nothing to clean up`);
          for (const r of results) {
            out(`cleanup of run ${r.runId}${r.skipped ? `: skipped, ${r.skipped}` : ''}`);
            for (const l of formatSteps(r)) out(l);
          }
          const failed = results.filter((r) => !r.ok);
          if (results.length) out(`${results.length - failed.length} of ${results.length} run(s) cleaned up or skipped${failed.length ? `; not done: ${failed.map((r) => r.runId).join(', ')}` : ''}`);
        }
        if (results.some((r) => !r.ok)) {
          process.stderr.write('purple: some runs were not cleaned up (see above); their state files are kept for another try\n');
          return EXIT_BAD_INPUT;
        }
        return EXIT_OK;
      }),
    );
}
