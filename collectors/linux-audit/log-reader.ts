// Reads what auditd appended to its log since an offset, across rotation: auditd renames
// audit.log → audit.log.1 → … (ROTATE), so the file that was current at the start is found again
// by its inode, read from the saved offset, and followed by every newer file.

import { openSync, readSync, closeSync, statSync, existsSync } from 'node:fs';

export interface LogPosition {
  file: string;
  inode: number;
  offset: number;
}

export function markLogPosition(file: string): LogPosition | undefined {
  try {
    const st = statSync(file);
    return { file, inode: st.ino, offset: st.size };
  } catch {
    return undefined;
  }
}

/** The files holding records written since `pos`, oldest first, with the offset to start at. */
export function filesSince(pos: LogPosition, maxRotated = 99): Array<{ path: string; from: number }> {
  const candidates: Array<{ path: string; inode: number }> = [];
  for (let i = 0; i <= maxRotated; i++) {
    const p = i === 0 ? pos.file : `${pos.file}.${i}`;
    if (!existsSync(p)) {
      if (i > 0) break;
      continue;
    }
    try {
      candidates.push({ path: p, inode: statSync(p).ino });
    } catch {
      /* rotated away while looking */
    }
  }
  const at = candidates.findIndex((c) => c.inode === pos.inode);
  if (at < 0) return candidates.length ? [{ path: pos.file, from: 0 }] : []; // rotated past numbering: read the current file only
  const out: Array<{ path: string; from: number }> = [{ path: candidates[at]!.path, from: pos.offset }];
  for (let i = at - 1; i >= 0; i--) out.push({ path: candidates[i]!.path, from: 0 });
  return out;
}

/** Reads a file from an offset to its current end (a partial last line is left for later). */
export function readFrom(path: string, from: number, maxBytes = 1024 * 1024 * 1024): { text: string; end: number } {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const len = Math.max(0, Math.min(size - from, maxBytes));
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, from + got);
      if (n <= 0) break;
      got += n;
    }
    const text = buf.subarray(0, got).toString('utf8');
    const lastNl = text.lastIndexOf('\n');
    return lastNl < 0 ? { text: '', end: from } : { text: text.slice(0, lastNl + 1), end: from + Buffer.byteLength(text.slice(0, lastNl + 1)) };
  } finally {
    closeSync(fd);
  }
}
