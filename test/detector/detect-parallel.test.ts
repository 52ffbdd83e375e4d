// purple detect --threads: chunking at line boundaries, reading lines as readline splits them, and
// the alerts of worker-thread parsing equal to the single-threaded line feeder (same ids, same
// order, same import statistics), with chunks so small that sequences cross many of them.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEcsImporter } from '../../collectors/importers/ecs.js';
import { chunkBoundaries, feedFileParallel } from '../../src/pipeline/detect-parallel.js';
import { readChunkLines } from '../../src/pipeline/detect-worker.js';
import { createDetector, loadRules, parseDetectorConfig } from '../../src/detector/index.js';
import type { Alert } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'det0503');
const config = parseDetectorConfig(readFileSync(join(ROOT, 'rules', 'config', 'det0503.yaml'), 'utf8'), 'rules/config/det0503.yaml');
const eqlFiles = readdirSync(join(ROOT, 'rules', 'eql')).map((f) => ({ path: `eql/${f}`, text: readFileSync(join(ROOT, 'rules', 'eql', f), 'utf8') }));
const rules = () => loadRules(eqlFiles, { config, maxOpenSequences: 1000 });

describe('chunks of whole lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'purple-chunks-'));
  test('boundaries sit after a newline and cover the file', () => {
    const f = join(dir, 'a.ndjson');
    writeFileSync(f, 'aaaa\nbb\ncccccc\nd\n\neeee');
    const b = chunkBoundaries(f, 3);
    assert.equal(b[0], 0);
    assert.equal(b[b.length - 1], 22);
    const fd = openSync(f, 'r');
    const lines = b.slice(1).flatMap((end, i) => readChunkLines(fd, b[i]!, end));
    closeSync(fd);
    assert.deepEqual(lines, ['aaaa', 'bb', 'cccccc', 'd', '', 'eeee']);
  });
  test('CRLF and lone CR split like readline', () => {
    const f = join(dir, 'b.ndjson');
    writeFileSync(f, 'x\r\ny\rz\n');
    const fd = openSync(f, 'r');
    assert.deepEqual(readChunkLines(fd, 0, 7), ['x', 'y', 'z']);
    closeSync(fd);
  });
  test.after?.(() => rmSync(dir, { recursive: true, force: true }));
});

describe('worker threads give the single-threaded alerts', () => {
  // Every DET0503 fixture, shifted to its own hour so they do not interact, plus a malformed line.
  const lines: string[] = [];
  readdirSync(FIX)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .forEach((f, i) => {
      for (const l of readFileSync(join(FIX, f), 'utf8').split('\n').filter((x) => x.trim())) {
        const ev = JSON.parse(l) as { '@timestamp': string; event: { id: string } };
        ev['@timestamp'] = new Date(Date.parse(ev['@timestamp']) + i * 3_600_000).toISOString();
        ev.event.id = `${i}-${ev.event.id}`;
        lines.push(JSON.stringify(ev));
      }
      if (i === 3) lines.push('{"not json');
    });

  function serial(): { alerts: Alert[]; malformed: number } {
    const session = createEcsImporter().create({});
    const d = createDetector(rules());
    const feeder = d.lineFeeder((l, n) => session.push(l, n))!;
    const alerts: Alert[] = [];
    lines.forEach((l, i) => alerts.push(...feeder.push(l, i + 1)));
    alerts.push(...d.finish());
    return { alerts, malformed: session.stats().malformed };
  }

  for (const [threads, chunk] of [
    [1, 700],
    [2, 300],
    [3, 5000],
  ] as const) {
    test(`${threads} thread(s), ${chunk}-byte chunks`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'purple-par-'));
      try {
        const file = join(dir, 'events.ndjson');
        writeFileSync(file, lines.join('\n') + '\n');
        const session = createEcsImporter().create({});
        const d = createDetector(rules());
        const feeder = d.lineFeeder((l, n) => session.push(l, n))!;
        const alerts: Alert[] = [];
        const r = await feedFileParallel({ file, importerId: 'ecs', feeder, session, threads, chunkBytes: chunk, onAlerts: (a) => alerts.push(...a) });
        alerts.push(...d.finish());
        const want = serial();
        assert.ok(want.alerts.length > 10, 'the fixtures fire');
        assert.deepEqual(alerts.map((a) => a.id), want.alerts.map((a) => a.id));
        assert.equal(r.lines, lines.length);
        assert.equal(r.stats.malformed, want.malformed);
        assert.equal(r.stats.problems[0]?.line, lines.indexOf('{"not json') + 1, 'line numbers count across chunks');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
