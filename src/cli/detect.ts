// purple detect: run the embedded detector (EQL and Sigma rules) over exported telemetry,
// streamed line by line in constant memory from a file or stdin. The stream itself is the
// pipeline's (src/pipeline/detect-stream.ts); this verb parses options and prints.

import type { Command } from 'commander';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { IMPORTERS } from '../../collectors/importers/index.js';
import { PurpleError, type Alert } from '../model/index.js';
import { DEFAULT_MAX_LINE_BYTES, detectStream, loadDetectorFromDisk, type DetectStreamResult } from '../pipeline/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, action } from './common.js';

const FORMATS = ['ndjson', 'json', 'table'] as const;
type Format = (typeof FORMATS)[number];

function positiveInt(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new PurpleError('BAD_INPUT', `${name} must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function tableRow(a: Alert): string {
  const ids = a.event_ids.join(',');
  return [a.timestamp.padEnd(27), (a.join_strength ?? '-').padEnd(15), a.rule.severity.padEnd(9), a.rule.name, `[${ids}]`, a.rule.file].join('  ');
}

interface DetectOpts {
  sigmaMapping?: string;
  hostId?: string;
  hostName?: string;
  events: string;
  rules?: string;
  config?: string;
  from?: string;
  maxOpenSequences?: string;
  reorderWindow?: string;
  output?: string;
  format: string;
  quiet?: boolean;
  prefilter?: boolean;
  threads?: string;
  maxLineBytes?: string;
}

export function register(program: Command): void {
  program
    .command('detect')
    .description('run the detector (EQL and Sigma rules) over exported telemetry: NDJSON from a file or stdin, streamed in constant memory')
    .requiredOption('-e, --events <file>', 'telemetry to read, one JSON object per line; - for stdin')
    .option('-r, --rules <path>', 'a rule file or a folder of rules, searched recursively (default: the shipped rules/)')
    .option('-c, --config <file>', 'detector configuration with the site lists (default: rules/config/det0503.yaml)')
    .option('--sigma-mapping <file>', 'Sigma field mapping to use instead of the sigma-mapping.yaml beside the configuration')
    .option('--from <format>', `input format: ${Object.keys(IMPORTERS).sort().join(', ')}, or auto (guess from the first lines)`, 'auto')
    .option('--max-open-sequences <n>', 'cap on partial sequences per rule; the oldest are evicted past it', '10000')
    .option('--reorder-window <ms>', 'how far out of time order events may arrive and still be re-sorted', '2000')
    .option('-o, --output <file>', 'write alerts here instead of stdout')
    .option('-f, --format <format>', `alert output: ${FORMATS.join(', ')}`, 'ndjson')
    .option('--host-id <id>', 'host.id for formats that do not carry one (raw audit.log): use the live run\'s host.id and event ids match its report')
    .option('--host-name <name>', 'host.name for formats that do not carry one')
    .option('-q, --quiet', 'no summary on stderr')
    .option('--no-prefilter', 'parse every line (by default ECS lines that no rule can use are skipped before JSON parsing)')
    .option('--max-line-bytes <n>', 'longest input line read; a longer line is reported as malformed (with its line number) and skipped', String(DEFAULT_MAX_LINE_BYTES))
    .option('--threads <n>', 'worker threads that read and parse an ECS events file while this thread detects (faster on several cores, more memory)', '0')
    .addHelpText(
      'after',
      `
Examples:
  purple detect --events telemetry.ndjson
  purple detect --events export.ndjson --rules rules/eql --format table
  cat events.ndjson | purple detect --events - --output alerts.ndjson
  purple detect --events es.ndjson --from ecs --config site/det0503.yaml --reorder-window 5000

Alerts name the rule and the rule file they came from, the matched event ids, the join key and
strength, and the span from first to last event. A summary goes to stderr: events read, malformed
lines (with line numbers; never fatal), alerts per join strength, open and evicted sequences.
Exit codes: 0 done, 2 bad input (unreadable events, a rule or configuration that does not load).`,
    )
    .action(
      action(async (opts: DetectOpts) => {
        if (!(FORMATS as readonly string[]).includes(opts.format)) throw new PurpleError('BAD_INPUT', `unknown --format ${opts.format}`, { hint: `use one of ${FORMATS.join(', ')}` });
        const format = opts.format as Format;
        const maxOpen = positiveInt('--max-open-sequences', opts.maxOpenSequences, 10_000);
        const reorder = positiveInt('--reorder-window', opts.reorderWindow, 2000, 0);
        const { rules, errors, warnings } = loadDetectorFromDisk({ ...(opts.rules ? { rules: opts.rules } : {}), ...(opts.config ? { config: opts.config } : {}), ...(opts.sigmaMapping ? { sigmaMapping: opts.sigmaMapping } : {}), maxOpenSequences: maxOpen });
        for (const e of errors) process.stderr.write(`purple: ${e.format()}\n`);
        for (const w of warnings) process.stderr.write(`purple: warning: ${w.format()}\n`);
        if (rules.length === 0) throw new PurpleError('BAD_INPUT', 'no rules loaded', { hint: 'check --rules: it must name .toml, .eql or Sigma .yml files' });
        if (opts.events !== '-' && !existsSync(opts.events)) throw new PurpleError('NOT_FOUND', `events file ${opts.events} does not exist`, { hint: 'pass --events with an NDJSON file, or - to read stdin' });
        const threads = positiveInt('--threads', opts.threads, 0, 0);
        const maxLineBytes = positiveInt('--max-line-bytes', opts.maxLineBytes, DEFAULT_MAX_LINE_BYTES);

        const out: WriteStream | NodeJS.WriteStream = opts.output ? createWriteStream(opts.output) : process.stdout;
        const printer = alertPrinter(out, format);
        const result = await detectStream({
          events: opts.events,
          rules,
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.hostId ? { hostId: opts.hostId } : {}),
          ...(opts.hostName ? { hostName: opts.hostName } : {}),
          reorderWindowMs: reorder,
          prefilter: opts.prefilter !== false,
          threads,
          maxLineBytes,
          onAlerts: printer.add,
          drain: printer.flush,
          pending: printer.pending,
        });
        await printer.finish();
        if (out !== process.stdout) await new Promise<void>((res, rej) => (out as WriteStream).end((e?: Error | null) => (e ? rej(e) : res())));
        if (!opts.quiet) process.stderr.write(summaryLines(result, rules.length, printer.count, printer.byStrength).join('\n') + '\n');
        // Every line malformed: the input is not telemetry in this format, not a clean result.
        if (result.stats.malformed > 0 && result.stats.events === 0) {
          process.stderr.write(`purple: every one of the ${result.stats.malformed} input line(s) is malformed: nothing was evaluated\n  hint: check --from (the input format) and that the file is NDJSON telemetry\n`);
          return EXIT_BAD_INPUT;
        }
        return errors.length ? EXIT_BAD_INPUT : EXIT_OK;
      }),
    );
}

/** Alerts to the output: NDJSON as they come (honouring backpressure), json and table at the end. */
function alertPrinter(out: WriteStream | NodeJS.WriteStream, format: Format) {
  const collected: Alert[] = [];
  const byStrength = new Map<string, number>();
  const outBuf: string[] = [];
  const printer = {
    count: 0,
    byStrength,
    add(alerts: Alert[]): void {
      for (const a of alerts) {
        printer.count++;
        const k = a.join_strength ?? 'none';
        byStrength.set(k, (byStrength.get(k) ?? 0) + 1);
        if (format === 'ndjson') outBuf.push(JSON.stringify(a) + '\n');
        else collected.push(a);
      }
    },
    pending: (): boolean => outBuf.length >= 256,
    // A slow reader of stdout must not make memory grow.
    async flush(): Promise<void> {
      if (!outBuf.length) return;
      const ok = out.write(outBuf.join(''));
      outBuf.length = 0;
      if (!ok) await once(out, 'drain');
    },
    async finish(): Promise<void> {
      await printer.flush();
      if (format === 'json') out.write(JSON.stringify(collected, null, 2) + '\n');
      if (format === 'table') out.write(collected.length ? collected.map(tableRow).join('\n') + '\n' : 'no alerts\n');
    },
  };
  return printer;
}

function summaryLines(r: DetectStreamResult, ruleCount: number, alertCount: number, byStrength: Map<string, number>): string[] {
  const st = r.stats;
  const ds = r.detector;
  const skipped = r.prefilterSkipped;
  return [
    `purple detect: ${st.lines + (skipped ?? 0)} lines read as ${r.importerId}${skipped !== undefined ? ` (${skipped} that no rule could use skipped unparsed by the prefilter)` : ''}: ${st.events} events, ${st.skipped} skipped, ${st.malformed} malformed`,
    ...st.problems.slice(0, 10).map((p) => `  line ${p.line}: ${p.message}`),
    ...(st.malformed > 10 ? [`  … ${st.malformed - 10} more malformed lines`] : []),
    `  ${ruleCount} rules; ${ds.events_processed} events evaluated; ${alertCount} alerts${alertCount ? ` (${[...byStrength].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    `  sequences open at end ${ds.sequences_open}, evicted ${ds.sequences_evicted}`,
    ...ds.warnings.map((w) => `  warning: ${w}`),
  ];
}
