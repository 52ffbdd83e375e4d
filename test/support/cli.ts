// One way for tests to run the `purple` CLI as a user does. `npm test` builds dist/ first and sets
// PURPLE_TEST_CLI=dist, so each spawn starts the compiled JavaScript; a direct
// `node scripts/run-tests.mjs FILE` runs the TypeScript sources through tsx (always current).

import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';

export const ROOT = join(import.meta.dirname, '..', '..');
const DIST_MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** The argv that starts the CLI: node dist/…/main.js when asked for and built, else tsx on the source. */
export function purpleArgv(args: readonly string[] = []): string[] {
  if (process.env.PURPLE_TEST_CLI === 'dist' && existsSync(DIST_MAIN)) return [process.execPath, DIST_MAIN, ...args];
  return [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args];
}

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Text for stdin. */
  input?: string;
  /** Run as this uid/gid (setpriv), e.g. to test without root. */
  uid?: number;
}

/** The env the CLI tests run with: no colours, no GitHub step summary from the outer job. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '', ...extra };
}

const runner = createCommandRunner();

/** Runs `purple ARGS…` to the end and returns its exit code and output. */
export function runPurple(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const argv = purpleArgv(args);
  const full = opts.uid !== undefined ? ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', ...argv] : argv;
  return runner.run(full, {
    timeoutMs: opts.timeoutMs ?? 240_000,
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? cliEnv(),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

/** Starts `purple ARGS…` in the background (for tests that act on it while it runs). */
export function spawnPurple(args: readonly string[], opts: Pick<SpawnOptions, 'cwd' | 'env'> = {}): ChildProcessWithoutNullStreams {
  const [exe, ...rest] = purpleArgv(args);
  return spawn(exe!, rest, { cwd: opts.cwd ?? ROOT, env: opts.env ?? cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
}
