// Small questions to host tools that the run verb asks before it starts (only harness/ starts
// processes): which python3 binary the `{python}` placeholder names, and the git commit of the tool.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The real python3 on PATH (sys.executable, not a pyenv shim), or undefined when there is none. */
export function findPython3(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 10_000 });
  const exe = r.status === 0 ? r.stdout.trim() : '';
  return exe && existsSync(exe) ? exe : undefined;
}

/** The git commit of the checkout at `root`, when it is one. */
export function gitCommitOf(root: string): string | undefined {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  return r.status === 0 && /^[0-9a-f]{40}$/.test(r.stdout.trim()) ? r.stdout.trim() : undefined;
}
