// strace calls → ECS events, the same shapes the audit normaliser gives: exec, fork, connect to
// inet/inet6, crypto library opens. Threads (clone with CLONE_THREAD) are folded into their process.

import type { TelemetryEvent } from '../../src/model/index.js';
import { baseName, joinCommandLine } from '../importers/fields.js';
import { isLinuxCryptoLibrary } from '../linux-audit/crypto-libraries.js';
import { createProcessTable, isoFromMs, type ExecImage, type ProcessImage } from '../linux-audit/process-table.js';
import { createStraceParser, decodeStraceString, decodeStraceStringArray, parseStraceSockaddr, type StraceCall } from './parse.js';

export const STRACE_DATASET = 'strace';

export interface StraceNormalizer {
  normalize(c: StraceCall): TelemetryEvent[];
}

export function createStraceNormalizer(opts: { hostId: string; hostName?: string; fileTag?: string }): StraceNormalizer {
  const table = createProcessTable(opts.hostId);
  const tgidOf = new Map<number, number>(); // thread id → process id
  let n = 0;
  const tgid = (tid: number): number => tgidOf.get(tid) ?? tid;

  const base = (c: StraceCall, category: TelemetryEvent['event']['category'], type: string, action: string): TelemetryEvent => {
    const e: TelemetryEvent = {
      '@timestamp': isoFromMs(c.timeMs),
      event: { id: `strace-${opts.hostId.slice(0, 12)}-${opts.fileTag ?? ''}-${n}`, kind: 'event', category, type, action, dataset: STRACE_DATASET, sequence: n },
      host: { id: opts.hostId, os: { type: 'linux' } },
    };
    n++;
    if (opts.hostName !== undefined) e.host!.name = opts.hostName;
    return e;
  };
  const processOf = (pid: number, img: ProcessImage | undefined): NonNullable<TelemetryEvent['process']> => {
    const p: NonNullable<TelemetryEvent['process']> = { pid };
    if (!img) return p;
    p.entity_id = img.entityId;
    p.start = isoFromMs(img.startMs);
    if (img.name !== undefined) p.name = img.name;
    if (img.executable !== undefined) p.executable = img.executable;
    if (img.args) {
      p.args = img.args;
      p.args_count = img.args.length;
    }
    if (img.commandLine !== undefined) p.command_line = img.commandLine;
    const parent = table.parentOf(img.ppid);
    if (parent) p.parent = parent;
    return p;
  };

  return {
    normalize(c) {
      const pid = tgid(c.pid);
      switch (c.name) {
        case 'execve':
        case 'execveat': {
          if (c.ret !== 0) return [];
          const pathTok = c.name === 'execve' ? c.args[0] : c.args[1];
          const argvTok = c.name === 'execve' ? c.args[1] : c.args[2];
          const path = pathTok ? decodeStraceString(pathTok)?.text : undefined;
          const args = (argvTok ? decodeStraceStringArray(argvTok) : undefined) ?? [];
          const image: ExecImage = { args, commandLine: joinCommandLine(args) };
          if (path) {
            image.executable = path;
            image.name = baseName(path);
          } else if (args[0]) image.name = baseName(args[0]);
          const img = table.exec(pid, table.get(pid)?.ppid, c.timeMs, image);
          const e = base(c, 'process', 'start', 'exec');
          e.process = processOf(pid, img);
          return [e];
        }
        case 'fork':
        case 'vfork':
        case 'clone':
        case 'clone3': {
          if (c.ret === undefined || c.ret <= 0) return [];
          const flags = c.name === 'clone' || c.name === 'clone3' ? (c.args.find((a) => a.includes('flags=')) ?? c.args[0] ?? '') : '';
          if (/CLONE_THREAD/.test(flags)) {
            tgidOf.set(c.ret, pid);
            return [];
          }
          const img = table.fork(pid, c.ret, c.timeMs);
          const e = base(c, 'process', 'start', 'fork');
          e.process = processOf(c.ret, img);
          return [e];
        }
        case 'connect': {
          const sa = c.args[1] ? parseStraceSockaddr(c.args[1]) : undefined;
          if (!sa || sa.family === 'other') return [];
          const e = base(c, 'network', 'connection', 'connect');
          e.event.outcome = c.ret === 0 ? 'success' : c.errno === 'EINPROGRESS' ? 'unknown' : 'failure';
          e.process = processOf(pid, table.get(pid));
          e.destination = { ip: sa.ip, port: sa.port };
          e.network = { direction: 'egress', type: sa.family === 'inet' ? 'ipv4' : 'ipv6' };
          if (c.errno === 'EINPROGRESS') e.network.transport = 'tcp';
          return [e];
        }
        case 'openat':
        case 'open': {
          if (c.ret === undefined || c.ret < 0) return [];
          const tok = c.name === 'openat' ? c.args[1] : c.args[0];
          const path = tok ? decodeStraceString(tok)?.text : undefined;
          if (!path || !isLinuxCryptoLibrary(path)) return [];
          const e = base(c, 'library', 'start', 'load');
          e.process = processOf(pid, table.get(pid));
          e.dll = { path, name: baseName(path) };
          e.file = { path, name: baseName(path) };
          return [e];
        }
        default:
          return [];
      }
    },
  };
}

/** A whole strace output file → events and counts. */
export function normalizeStraceText(
  text: string,
  opts: { hostId: string; hostName?: string; fileTag?: string; dayStartMs?: number },
): { events: TelemetryEvent[]; lines: number; malformed: Array<{ line: number; message: string }>; unfinished: number } {
  const parser = createStraceParser(opts.dayStartMs !== undefined ? { dayStartMs: opts.dayStartMs } : {});
  const norm = createStraceNormalizer(opts);
  const calls: StraceCall[] = [];
  const malformed: Array<{ line: number; message: string }> = [];
  let lines = 0;
  text.split('\n').forEach((l, i) => {
    if (l === '') return;
    lines++;
    const r = parser.push(l);
    if (r.kind === 'call') calls.push(r.call);
    else if (r.kind === 'malformed') malformed.push({ line: i + 1, message: r.message });
  });
  // Lines are written when calls complete; a child's exec can complete before its parent's fork
  // returns. Entry order restores causality (a fork is entered before its child exists).
  calls.sort((a, b) => a.timeMs - b.timeMs);
  const events = calls.flatMap((c) => norm.normalize(c));
  return { events, lines, malformed, unfinished: parser.unfinished() };
}
