// purple detect: run the embedded detector (EQL and Sigma rules) over exported telemetry,
// streamed line by line in constant memory from a file or stdin.

import type { Command } from 'commander';
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, readdirSync, statSync, createWriteStream, type WriteStream } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { feedFileParallel } from './detect-parallel.js';
import { DEFAULT_MAX_LINE_BYTES, lineBatches, oversizedMessage } from './line-batches.js';
import { IMPORTERS, getImporter, sniffImporter } from '../../collectors/importers/index.js';
import { createDetector, loadRulesWithDiagnostics, parseDetectorConfig, type DetectorConfig, type LineFeeder, type RuleSourceFile, type StreamRule } from '../detector/index.js';
import { parseSigmaMapping, parseSigmaPlaceholders } from '../detector/sigma/index.js';
import { PurpleError, type Alert, type ImportSession, type ImportStats, type Importer } from '../model/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, action, packageRoot } from './common.js';

const RULE_EXTENSIONS = /\.(toml|eql|ya?ml)$/i;
const FORMATS = ['ndjson', 'json', 'table'] as const;
type Format = (typeof FORMATS)[number];

/** Rule files under a file or folder (recursive; `config/` folders hold settings, not rules). */
export function collectRuleFiles(path: string): RuleSourceFile[] {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new PurpleError('NOT_FOUND', `rules path ${path} does not exist`, { hint: 'pass --rules with a rule file or a folder of rules' });
  if (statSync(abs).isFile()) return [{ path: relative(dirname(abs), abs), text: readFileSync(abs, 'utf8') }];
  const out: RuleSourceFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (name === 'config' || name.startsWith('.') || name === 'node_modules') continue;
        walk(p);
      } else if (RULE_EXTENSIONS.test(name)) out.push({ path: relative(abs, p).split(sep).join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  walk(abs);
  return out;
}

/**
 * The detector configuration: the DET0503 lists from `configPath`, plus the Sigma field mapping and
 * placeholders when sigma-mapping.yaml / sigma-placeholders.yaml sit beside it.
 */
/** A configuration file as read: absolute path and bytes (what the evidence manifest digests). */
export interface ConfigFileRead {
  path: string;
  bytes: Buffer;
}

/**
 * The detector configuration (site lists) from `configPath`, plus sigma-mapping.yaml and
 * sigma-placeholders.yaml beside it when present; `files` are the files read, in that order.
 */
export function loadDetectorConfig(configPath: string): { config: DetectorConfig; files: ConfigFileRead[] } {
  const abs = resolve(configPath);
  if (!existsSync(abs)) throw new PurpleError('NOT_FOUND', `detector configuration ${configPath} does not exist`, { hint: 'pass --config with a file like rules/config/det0503.yaml' });
  const read = (path: string): string => {
    const bytes = readFileSync(path);
    files.push({ path, bytes });
    return bytes.toString('utf8');
  };
  const files: ConfigFileRead[] = [];
  const config = parseDetectorConfig(read(abs), configPath);
  const dir = dirname(abs);
  const mapping = join(dir, 'sigma-mapping.yaml');
  if (existsSync(mapping)) {
    const m = parseSigmaMapping(read(mapping), mapping);
    config.sigmaFieldMap = m.sigmaFieldMap;
    config.sigmaValueMap = m.sigmaValueMap;
  }
  const ph = join(dir, 'sigma-placeholders.yaml');
  if (existsSync(ph)) config.placeholders = parseSigmaPlaceholders(read(ph), ph);
  return { config, files };
}

export function readDetectorConfig(configPath: string): DetectorConfig {
  return loadDetectorConfig(configPath).config;
}

/** Loads rules and configuration from disk for any verb that runs the detector (detect, run). */
export function loadDetectorFromDisk(opts: { rules?: string; config?: string; maxOpenSequences?: number }): { rules: StreamRule[]; errors: PurpleError[]; config: DetectorConfig } {
  const root = packageRoot();
  const config = readDetectorConfig(opts.config ?? join(root, 'rules', 'config', 'det0503.yaml'));
  const files = collectRuleFiles(opts.rules ?? join(root, 'rules'));
  const { rules, errors } = loadRulesWithDiagnostics(files, { config, maxOpenSequences: opts.maxOpenSequences ?? 10_000 });
  return { rules, errors, config };
}

/** The first `n` non-empty lines of a file (for guessing its format), read without a stream. */
function headLines(file: string, n: number): string[] {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const got = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, got).split(/\r?\n|\r/).filter((l) => l.trim()).slice(0, n);
  } finally {
    closeSync(fd);
  }
}

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
        const maxLineBytes = positiveInt('--max-line-bytes', opts.maxLineBytes, DEFAULT_MAX_LINE_BYTES);
        // Lines past --max-line-bytes never reach an importer: counted here as malformed.
        const oversized: Array<{ line: number; message: string }> = [];
        const { rules, errors } = loadDetectorFromDisk({ ...(opts.rules ? { rules: opts.rules } : {}), ...(opts.config ? { config: opts.config } : {}), maxOpenSequences: maxOpen });
        for (const e of errors) process.stderr.write(`purple: ${e.format()}\n`);
        if (rules.length === 0) throw new PurpleError('BAD_INPUT', 'no rules loaded', { hint: 'check --rules: it must name .toml, .eql or Sigma .yml files' });

        if (opts.events !== '-' && !existsSync(opts.events)) throw new PurpleError('NOT_FOUND', `events file ${opts.events} does not exist`, { hint: 'pass --events with an NDJSON file, or - to read stdin' });
        const openInput = (): NodeJS.ReadableStream => (opts.events === '-' ? process.stdin : createReadStream(opts.events, { encoding: 'utf8' }));
        const out: WriteStream | NodeJS.WriteStream = opts.output ? createWriteStream(opts.output) : process.stdout;
        const detector = createDetector(rules, { reorderWindowMs: reorder });
        const collected: Alert[] = [];
        const byStrength = new Map<string, number>();
        let alertCount = 0;
        const outBuf: string[] = [];
        // Honour backpressure so a slow reader of stdout cannot make memory grow.
        const flush = async (): Promise<void> => {
          if (!outBuf.length) return;
          const ok = out.write(outBuf.join(''));
          outBuf.length = 0;
          if (!ok) await once(out, 'drain');
        };
        const handle = (alerts: Alert[]): void => {
          for (const a of alerts) {
            alertCount++;
            const k = a.join_strength ?? 'none';
            byStrength.set(k, (byStrength.get(k) ?? 0) + 1);
            if (format === 'ndjson') outBuf.push(JSON.stringify(a) + '\n');
            else collected.push(a);
          }
        };

        const hostOpts = { ...(opts.hostId ? { hostId: opts.hostId } : {}), ...(opts.hostName ? { hostName: opts.hostName } : {}) };
        let importer: Importer | undefined = opts.from && opts.from !== 'auto' ? getImporter(opts.from) : undefined;
        let session: ImportSession | undefined = importer?.create(hostOpts);
        const pending: Array<[string, number]> = [];
        // The prefilter knows how the ECS importer copies values from the raw line (line-gate.ts);
        // host options would put values in events that the lines do not have.
        let feeder: LineFeeder | null | undefined;
        const feed = (line: string, lineNo: number): void => {
          if (feeder === undefined)
            feeder = importer!.id === 'ecs' && opts.prefilter !== false && Object.keys(hostOpts).length === 0 ? detector.lineFeeder((l, n) => session!.push(l, n)) : null;
          if (feeder) handle(feeder.push(line, lineNo));
          else for (const ev of session!.push(line, lineNo)) handle(detector.push(ev));
        };
        let lineNo = 0;
        // A file of ECS lines with the prefilter: worker threads read and parse, this thread detects.
        const threads = positiveInt('--threads', opts.threads, 0, 0);
        let parallelStats: ImportStats | undefined;
        if (opts.events !== '-' && threads >= 1 && opts.prefilter !== false && Object.keys(hostOpts).length === 0) {
          const imp = importer ?? sniffImporter(headLines(opts.events, 20)) ?? getImporter('ecs');
          if (imp.id === 'ecs') {
            importer = imp;
            session = imp.create(hostOpts);
            feeder = detector.lineFeeder((l, n) => session!.push(l, n));
            if (feeder) {
              const r = await feedFileParallel({ file: opts.events, importerId: imp.id, feeder, session, threads, maxLineBytes, onAlerts: handle, afterChunk: flush });
              parallelStats = r.stats;
              lineNo = r.lines;
            }
          }
        }
        const input = parallelStats ? Readable.from([]) : openInput();
        for await (const batch of lineBatches(input, { maxLineBytes })) {
          for (let b = 0; b < batch.length; b++) {
            const line = batch[b]!;
            lineNo++;
            if (typeof line !== 'string') {
              oversized.push({ line: lineNo, message: oversizedMessage(line.oversized, maxLineBytes) });
              continue;
            }
            if (!session) {
              // Guess the format from the first non-empty lines, then replay them.
              pending.push([line, lineNo]);
              if (pending.filter(([l]) => l.trim()).length < 20) continue;
              importer = sniffImporter(pending.map(([l]) => l)) ?? getImporter('ecs');
              session = importer.create(hostOpts);
              for (const [l, n] of pending.splice(0)) feed(l, n);
              continue;
            }
            feed(line, lineNo);
            if (outBuf.length >= 256) await flush();
          }
          await flush();
        }
        if (!session) {
          importer = sniffImporter(pending.map(([l]) => l)) ?? getImporter('ecs');
          session = importer.create(hostOpts);
          for (const [l, n] of pending.splice(0)) feed(l, n);
        }
        for (const ev of session.end()) handle(detector.push(ev));
        handle(detector.finish());
        await flush();

        if (format === 'json') out.write(JSON.stringify(collected, null, 2) + '\n');
        if (format === 'table') {
          out.write(collected.length ? collected.map(tableRow).join('\n') + '\n' : 'no alerts\n');
        }
        if (out !== process.stdout) await new Promise<void>((res, rej) => (out as WriteStream).end((e?: Error | null) => (e ? rej(e) : res())));

        const st0 = parallelStats ?? session.stats();
        const st = oversized.length
          ? { ...st0, lines: st0.lines + oversized.length, malformed: st0.malformed + oversized.length, problems: [...st0.problems, ...oversized].sort((a, b) => a.line - b.line) }
          : st0;
        const ds = detector.stats();
        if (!opts.quiet) {
          const lines = [
            `purple detect: ${st.lines + (feeder ? feeder.stats().skipped : 0)} lines read as ${importer!.id}${feeder ? ` (${feeder.stats().skipped} that no rule could use skipped unparsed by the prefilter)` : ''}: ${st.events} events, ${st.skipped} skipped, ${st.malformed} malformed`,
            ...st.problems.slice(0, 10).map((p) => `  line ${p.line}: ${p.message}`),
            ...(st.malformed > 10 ? [`  … ${st.malformed - 10} more malformed lines`] : []),
            `  ${rules.length} rules; ${ds.events_processed} events evaluated; ${alertCount} alerts${alertCount ? ` (${[...byStrength].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
            `  sequences open at end ${ds.sequences_open}, evicted ${ds.sequences_evicted}`,
            ...ds.warnings.map((w) => `  warning: ${w}`),
          ];
          process.stderr.write(lines.join('\n') + '\n');
        }
        return errors.length ? EXIT_BAD_INPUT : EXIT_OK;
      }),
    );
}
