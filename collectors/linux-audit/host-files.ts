// Crypto libraries present on this host, for the audit collector's path watch rules: every
// libcrypto.so* in the usual library folders (symlinks resolved, so one watch per file) and the
// native module of Python's `cryptography`, located with python3 when it imports.

import { readdirSync, realpathSync, statSync } from 'node:fs';
import type { CommandRunner } from '../../src/model/index.js';

const LIB_DIRS = ['/usr/lib', '/usr/lib64', '/lib', '/lib64', '/usr/local/lib', '/usr/local/lib64'];

export function findLibcryptoFiles(dirs: string[] = LIB_DIRS): string[] {
  const found = new Set<string>();
  const scan = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = `${dir}/${n}`;
      if (/^libcrypto\.so(\.[0-9.]+)?$/.test(n)) {
        try {
          const real = realpathSync(p);
          if (statSync(real).isFile()) found.add(real);
        } catch {
          /* dangling link */
        }
      } else if (depth > 0 && /-linux-gnu[^/]*$|^openssl/.test(n)) {
        scan(p, depth - 1);
      }
    }
  };
  for (const d of dirs) scan(d, 1);
  return [...found].sort();
}

export async function findPythonCryptographyModule(runner: CommandRunner, python = 'python3'): Promise<string | undefined> {
  const r = await runner.run([python, '-c', 'import cryptography.hazmat.bindings._rust as m; print(m.__file__)'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) return undefined;
  const p = r.stdout.trim();
  if (!p.startsWith('/')) return undefined;
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}
