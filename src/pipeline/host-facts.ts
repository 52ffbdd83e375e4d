// Facts about this host that several verbs need (run, doctor): name, stable id, OS, root.

import { readFileSync } from 'node:fs';
import { arch, hostname, platform, release } from 'node:os';
import { createHash } from 'node:crypto';
import type { OsType } from '../model/index.js';

export interface HostFacts {
  name: string;
  id: string;
  os: OsType | 'other';
  osVersion: string;
  arch: string;
  kernel: string;
  isRoot: boolean;
}

function readFirst(paths: string[]): string | undefined {
  for (const p of paths) {
    try {
      const s = readFileSync(p, 'utf8').trim();
      if (s) return s;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function osVersion(): string {
  const rel = readFirst(['/etc/os-release']);
  const m = rel ? /^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel) : null;
  return m?.[1] ?? `${platform()} ${release()}`;
}

export function readHostFacts(): HostFacts {
  const p = platform();
  const os: HostFacts['os'] = p === 'linux' ? 'linux' : p === 'darwin' ? 'macos' : 'other';
  // machine-id is stable across boots and not secret-bearing; hash it so reports do not carry it raw.
  const machineId = readFirst(['/etc/machine-id', '/var/lib/dbus/machine-id']) ?? hostname();
  return {
    name: hostname(),
    id: createHash('sha256').update(machineId).digest('hex').slice(0, 16),
    os,
    osVersion: osVersion(),
    arch: arch(),
    kernel: release(),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  };
}
