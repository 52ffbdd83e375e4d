// The progress display of `purple run` on stderr: on a terminal one status line rewritten in
// place (variant n/N, what runs, elapsed) with a line per finished variant above it; elsewhere (CI
// logs) plain lines only, one per event worth reading.

import type { ProgressEvent } from '../../harness/types.js';

export interface ProgressDisplay {
  onProgress(ev: ProgressEvent): void;
  /** A line of its own (notes, warnings). */
  line(text: string): void;
  /** What the run does now, between the emulations and the report. */
  phase(text: string): void;
  done(): void;
}

export interface ProgressOptions {
  stream: { write(s: string): unknown; columns?: number };
  /** Rewrite a status line in place (a terminal). */
  tty: boolean;
  /** Print nothing but explicit lines. */
  quiet?: boolean;
  now?: () => number;
}

function secs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

const MARK: Record<string, string> = { ran: 'ok  ', skipped: 'skip', error: 'ERR ' };

export function createProgressDisplay(opts: ProgressOptions): ProgressDisplay {
  const now = opts.now ?? Date.now;
  const t0 = now();
  let status = '';
  let timer: NodeJS.Timeout | undefined;
  let current: { id: string; index: number; total: number; since: number } | undefined;

  const width = (): number => Math.max(40, (opts.stream.columns ?? 100) - 1);
  const clear = (): void => {
    if (opts.tty && status) opts.stream.write('\r\x1b[K');
  };
  const drawStatus = (): void => {
    if (!opts.tty || opts.quiet) return;
    const text = current
      ? `[${current.index + 1}/${current.total}] ${current.id}  ${secs(now() - current.since)}  (total ${secs(now() - t0)})`
      : status;
    status = text.length > width() ? `${text.slice(0, width() - 1)}…` : text;
    opts.stream.write(`\r\x1b[K${status}`);
  };
  const print = (text: string): void => {
    clear();
    opts.stream.write(`${text}\n`);
    if (opts.tty && status) drawStatus();
  };
  const tick = (on: boolean): void => {
    if (!opts.tty || opts.quiet) return;
    if (on && !timer) {
      timer = setInterval(drawStatus, 500);
      timer.unref();
    } else if (!on && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    onProgress(ev) {
      if (opts.quiet) return;
      switch (ev.type) {
        case 'run-start':
          print(`  workspace ${ev.workspace}`);
          break;
        case 'sink-ready':
          print(`  upload sink ${ev.endpoints.httpBase} (${ev.endpoints.listeners.join(', ')})`);
          break;
        case 'collector':
          if (ev.event !== 'stopped') print(`  collector ${ev.collectorId}: ${ev.event}${ev.detail ? ` (${ev.detail})` : ''}`);
          break;
        case 'variant-start':
          current = { id: ev.variantId, index: ev.index, total: ev.total, since: now() };
          if (opts.tty) {
            drawStatus();
            tick(true);
          } else print(`     [${String(ev.index + 1).padStart(String(ev.total).length)}/${ev.total}] ${ev.variantId} …`);
          break;
        case 'variant-end': {
          current = undefined;
          const n = `[${String(ev.index + 1).padStart(String(ev.total).length)}/${ev.total}]`;
          const extra = [ev.status === 'ran' ? `${ev.receipts} upload(s)` : '', ev.timedOut ? 'timed out' : '', ev.reason ?? ''].filter(Boolean).join('; ');
          status = '';
          print(`${MARK[ev.status] ?? ev.status} ${n} ${ev.variantId}  ${secs(ev.durationMs)}${extra ? `  ${extra}` : ''}`);
          break;
        }
        case 'waiting-for-lock':
          print(`  ${ev.message}`);
          break;
        case 'interrupted':
          print('  interrupted: the remaining variants are not run');
          break;
        case 'cleanup':
          if (!ev.step.ok) print(`  cleanup failed: ${ev.step.what}: ${ev.step.detail ?? ''}`);
          break;
        case 'run-end':
          tick(false);
          current = undefined;
          break;
      }
    },
    line(text) {
      print(text);
    },
    phase(text) {
      tick(false);
      current = undefined;
      if (opts.tty && !opts.quiet) {
        status = `${text}…`;
        drawStatus();
      } else if (!opts.quiet) print(`  ${text}…`);
    },
    done() {
      tick(false);
      clear();
      status = '';
    },
  };
}
