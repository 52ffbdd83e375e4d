// The strace command line the collector wraps each emulation step in.

export const STRACE_TRACE_SET = 'execve,execveat,connect,clone,clone3,fork,vfork,openat';

/**
 * -f follows every fork; -ttt gives epoch timestamps with microseconds (-tt would leave the date
 * to guess); -s 65536 keeps long arguments whole; --seccomp-bpf stops only on traced syscalls,
 * so the emulation runs at nearly full speed.
 */
export function buildStraceArgv(strace: string, outFile: string, argv: string[], opts: { seccompBpf: boolean }): string[] {
  return [strace, '-f', '-ttt', '-T', '-s', '65536', '-qq', ...(opts.seccompBpf ? ['--seccomp-bpf'] : []), '-e', `trace=${STRACE_TRACE_SET}`, '-o', outFile, '--', ...argv];
}

/** `strace -V` → [major, minor]. */
export function parseStraceVersion(text: string): [number, number] | undefined {
  const m = /version\s+(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}
