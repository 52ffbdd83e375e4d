// Audit records name the syscall by number, and the number depends on the architecture the
// process ran as (AUDIT_ARCH_* in the `arch=` field). Enriched logs also carry SYSCALL=name, but
// raw logs and ausearch --raw of RAW-format hosts do not, so the numbers the collector cares about
// are kept here for the architectures purple supports.

export type SyscallKind = 'exec' | 'fork' | 'connect' | 'open';

export interface ArchTable {
  /** Name auditctl and enriched records use (ARCH=). */
  name: string;
  /** The `-F arch=` value of rules for this ABI. */
  ruleArch: 'b64' | 'b32';
  syscalls: Record<number, string>;
}

/** Keyed by the hex value of the `arch=` field (lower case). */
export const ARCHES: Record<string, ArchTable> = {
  c000003e: {
    name: 'x86_64',
    ruleArch: 'b64',
    syscalls: { 2: 'open', 42: 'connect', 56: 'clone', 57: 'fork', 58: 'vfork', 59: 'execve', 257: 'openat', 322: 'execveat', 435: 'clone3', 437: 'openat2' },
  },
  c00000b7: {
    name: 'aarch64',
    ruleArch: 'b64',
    syscalls: { 56: 'openat', 203: 'connect', 220: 'clone', 221: 'execve', 281: 'execveat', 435: 'clone3', 437: 'openat2' },
  },
  '40000003': {
    name: 'i386',
    ruleArch: 'b32',
    syscalls: { 2: 'fork', 5: 'open', 11: 'execve', 102: 'socketcall', 120: 'clone', 190: 'vfork', 295: 'openat', 358: 'execveat', 362: 'connect', 435: 'clone3', 437: 'openat2' },
  },
  '40000028': {
    name: 'arm',
    ruleArch: 'b32',
    syscalls: { 2: 'fork', 5: 'open', 11: 'execve', 120: 'clone', 190: 'vfork', 283: 'connect', 322: 'openat', 387: 'execveat', 435: 'clone3', 437: 'openat2' },
  },
};

const KIND_OF: Record<string, SyscallKind> = {
  execve: 'exec',
  execveat: 'exec',
  fork: 'fork',
  vfork: 'fork',
  clone: 'fork',
  clone3: 'fork',
  connect: 'connect',
  open: 'open',
  openat: 'open',
  openat2: 'open',
};

/** The syscall's name from the enriched field when present, else from the arch table. */
export function resolveSyscallName(archHex: string | undefined, number: string | undefined, enrichedName?: string): string | undefined {
  if (enrichedName) return enrichedName;
  if (archHex === undefined || number === undefined) return undefined;
  return ARCHES[archHex.toLowerCase()]?.syscalls[Number(number)];
}

export function syscallKind(name: string | undefined): SyscallKind | undefined {
  return name === undefined ? undefined : KIND_OF[name];
}

/** The rule ABIs of a machine (uname -m / process.arch) and the architecture table of each. */
export function ruleArchesFor(machine: string): ArchTable[] {
  const m = machine.toLowerCase();
  if (m === 'x86_64' || m === 'x64' || m === 'amd64') return [ARCHES['c000003e']!, ARCHES['40000003']!];
  if (m === 'aarch64' || m === 'arm64') return [ARCHES['c00000b7']!, ARCHES['40000028']!];
  if (m === 'i386' || m === 'i686' || m === 'ia32') return [ARCHES['40000003']!];
  if (m.startsWith('arm')) return [ARCHES['40000028']!];
  return [];
}

/** Which of the collector's syscalls this ABI has (aarch64 has no fork/vfork, only clone). */
export function syscallsOf(table: ArchTable, kind: SyscallKind): string[] {
  return Object.values(table.syscalls).filter((n) => KIND_OF[n] === kind);
}
