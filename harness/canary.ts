// The canary payload: the only data an emulation ever encrypts and uploads. Generated, never read
// from the user's files; its first line names the run so the sink can prove a decryption.

import { randomBytes } from 'node:crypto';

export const CANARY_PREFIX = 'PURPLE-HARNESS-CANARY v1';

export function canaryMarker(runId: string, variantId: string): string {
  return `${CANARY_PREFIX} run=${runId} variant=${variantId}`;
}

/** The marker line, then lines of random hex filler, exactly `bytes` long (at least the marker). */
export function generateCanary(runId: string, variantId: string, bytes = 64 * 1024): Buffer {
  const head = `${canaryMarker(runId, variantId)}\n`;
  const parts: string[] = [head];
  let len = Buffer.byteLength(head);
  let n = 0;
  while (len < bytes) {
    const line = `filler ${String(++n).padStart(6, '0')} ${randomBytes(24).toString('hex')}\n`;
    parts.push(line);
    len += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, Math.max(bytes, Buffer.byteLength(head)));
}

/** Parses the marker line of a (decrypted) body: its run and variant ids, or undefined. */
export function parseCanaryMarker(body: Buffer): { runId: string; variantId: string } | undefined {
  const nl = body.indexOf(0x0a);
  const first = body.subarray(0, nl < 0 ? Math.min(body.length, 512) : Math.min(nl, 512)).toString('latin1');
  const m = /^PURPLE-HARNESS-CANARY v1 run=(\S+) variant=(\S+)$/.exec(first);
  return m ? { runId: m[1] ?? '', variantId: m[2] ?? '' } : undefined;
}
