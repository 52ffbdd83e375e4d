// The one place that starts helper processes for collectors and probes (auditctl, strace,
// eslogger, tcpdump …). Emulations are launched by the launcher, not here.

import { execa } from 'execa';
import { createInterface } from 'node:readline';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { BackgroundProcess, CommandResult, CommandRunner } from '../src/model/index.js';

async function whichBinary(name: string): Promise<string | undefined> {
  if (name.includes('/')) {
    try {
      await access(name, constants.X_OK);
      return name;
    } catch {
      return undefined;
    }
  }
  // sbin folders are not on every user's PATH, but auditctl and friends live there.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function createCommandRunner(): CommandRunner {
  return {
    async run(argv, opts = {}): Promise<CommandResult> {
      const [file, ...args] = argv;
      if (!file) throw new Error('run: empty argv');
      const r = await execa(file, args, {
        reject: false,
        timeout: opts.timeoutMs ?? 30_000,
        ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
        env: opts.env ?? {},
        extendEnv: true,
        stripFinalNewline: false,
        maxBuffer: 512 * 1024 * 1024,
      });
      const res: CommandResult = {
        exitCode: r.exitCode ?? null,
        stdout: String(r.stdout ?? ''),
        stderr: String(r.stderr ?? ''),
      };
      if (r.timedOut) res.timedOut = true;
      const code = (r as { code?: string }).code;
      if (r.failed && (code === 'ENOENT' || code === 'EACCES')) res.failed = `${file}: ${code === 'ENOENT' ? 'not found' : 'permission denied'}`;
      return res;
    },

    spawn(argv, opts = {}): BackgroundProcess {
      const [file, ...args] = argv;
      if (!file) throw new Error('spawn: empty argv');
      const child = execa(file, args, {
        reject: false,
        detached: true, // own process group: eslogger mutes its own group, and we can kill the tree
        stdin: 'ignore',
        env: opts.env ?? {},
        extendEnv: true,
        buffer: false,
      });
      const lineCbs: Array<(l: string) => void> = [];
      const errCbs: Array<(c: string) => void> = [];
      if (child.stdout) {
        const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
        rl.on('line', (l) => lineCbs.forEach((cb) => cb(l)));
      }
      child.stderr?.on('data', (c: Buffer) => errCbs.forEach((cb) => cb(c.toString('utf8'))));
      const exited = child.then(
        (r) => r.exitCode ?? null,
        () => null,
      );
      const killGroup = (sig: NodeJS.Signals): void => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, sig);
        } catch {
          /* already gone */
        }
      };
      return {
        pid: child.pid,
        onLine: (cb) => void lineCbs.push(cb),
        onStderr: (cb) => void errCbs.push(cb),
        exited,
        async stop(graceMs = 2000) {
          killGroup('SIGTERM');
          const t = setTimeout(() => killGroup('SIGKILL'), graceMs);
          await exited;
          clearTimeout(t);
        },
      };
    },

    which: whichBinary,
  };
}
