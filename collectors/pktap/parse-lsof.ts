// `lsof -i -n -P -F` field output: one field per line, the first character naming it. A process
// set starts at `p` (pid) with `g` pgid, `R` ppid, `c` command, `u` uid, `L` login; a file set at
// `f` (fd) with `t` IPv4/IPv6, `P` TCP/UDP, `n` `local->remote`, and `T` TCP info (`TST=…`).

import type { SnapshotConnection, SnapshotParse } from './parse-nettop.js';
import { splitColonEndpoint } from './network-event.js';

interface FileSet {
  /** Line of the `n` field once seen (problems point at it), else of the `f` field. */
  line: number;
  fd?: string;
  type?: string;
  proto?: string;
  name?: string;
  state?: string;
}

interface ProcSet {
  pid: number;
  ppid?: number;
  command?: string;
  uid?: string;
  login?: string;
}

export function parseLsofFields(text: string): SnapshotParse {
  const out: SnapshotParse = { connections: [], skipped: 0, problems: [] };
  let proc: ProcSet | undefined;
  let file: FileSet | undefined;

  const flush = (): void => {
    if (!file || !proc) return;
    const f = file;
    file = undefined;
    if (!f.name || !f.name.includes('->')) {
      out.skipped++; // listening or unconnected
      return;
    }
    const [l, r] = f.name.split('->') as [string, string];
    const local = splitColonEndpoint(l);
    const remote = splitColonEndpoint(r);
    if (!local || !remote) {
      out.problems.push({ line: f.line, message: `unreadable endpoints (run lsof with -n -P): ${f.name}` });
      return;
    }
    const proto = (f.proto ?? '').toLowerCase();
    if (proto !== 'tcp' && proto !== 'udp') {
      out.skipped++;
      return;
    }
    const c: SnapshotConnection = {
      pid: proc.pid,
      transport: proto,
      family: f.type === 'IPv6' ? 'ipv6' : 'ipv4',
      local,
      remote,
      extra: { fd: f.fd },
    };
    if (proc.command) c.name = proc.command;
    if (proc.ppid !== undefined) c.ppid = proc.ppid;
    if (proc.uid !== undefined) c.userId = proc.uid;
    if (proc.login !== undefined) c.userName = proc.login;
    if (f.state) c.state = f.state;
    out.connections.push(c);
  };

  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '');
    if (line === '') continue;
    const id = line[0];
    const v = line.slice(1);
    switch (id) {
      case 'p': {
        flush();
        if (!/^\d+$/.test(v)) {
          out.problems.push({ line: n + 1, message: `bad pid field: ${line}` });
          proc = undefined;
          break;
        }
        proc = { pid: Number(v) };
        break;
      }
      case 'R':
        if (proc && /^\d+$/.test(v)) proc.ppid = Number(v);
        break;
      case 'c':
        if (proc) proc.command = v;
        break;
      case 'u':
        if (proc) proc.uid = v;
        break;
      case 'L':
        if (proc) proc.login = v;
        break;
      case 'f':
        flush();
        if (!proc) {
          out.problems.push({ line: n + 1, message: 'file set before any process set' });
          break;
        }
        file = { line: n + 1, fd: v };
        break;
      case 't':
        if (file) file.type = v;
        break;
      case 'P':
        if (file) file.proto = v;
        break;
      case 'n':
        if (file) {
          file.name = v;
          file.line = n + 1;
        }
        break;
      case 'T':
        if (file && v.startsWith('ST=')) file.state = v.slice(3);
        break;
      case 'g':
      case 'a':
      case 'l':
      case 'G':
      case 'd':
      case 'D':
      case 'o':
      case 's':
      case 'i':
      case 'k':
      case 'K':
      case 'S':
        break;
      default:
        out.problems.push({ line: n + 1, message: `unknown lsof field ${JSON.stringify(id)}` });
    }
  }
  flush();
  out.problems.sort((a, b) => a.line - b.line);
  return out;
}
