import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, jsonForScript, renderHtml } from '../../src/report/index.js';
import { HOSTILE_MARK, loadFixture } from './helpers.js';

function scripts(html: string): Array<{ attrs: string; body: string }> {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1] ?? '', body: m[2] ?? '' }));
}

describe('HTML report (static checks; the browser tests drive it)', () => {
  const report = loadFixture('run-a');
  const html = renderHtml(report);

  test('exactly three script elements: two JSON data blocks and the page script', () => {
    // If event text could close a script element, extra scripts would appear here.
    const s = scripts(html);
    assert.equal(s.length, 3);
    assert.deepEqual(s.map((x) => x.attrs.trim()), ['type="application/json" id="report-data"', 'type="application/json" id="axes-data"', '']);
  });

  test('the embedded data is the whole report and round-trips exactly', () => {
    const data = scripts(html)[0]!.body;
    assert.ok(!data.includes('<'), 'no raw < inside the data block');
    assert.deepEqual(JSON.parse(data), report);
  });

  test('attacker-shaped text appears only escaped', () => {
    assert.ok(report.events.some((e) => e.process?.command_line?.includes(HOSTILE_MARK)), 'fixture carries the hostile text');
    const outsideData = html.replace(/<script type="application\/json"[\s\S]*?<\/script>/g, '');
    assert.ok(!outsideData.includes(HOSTILE_MARK));
    assert.ok(!outsideData.includes('<img src=x'));
    assert.ok(outsideData.includes(escapeHtml(HOSTILE_MARK)));
  });

  test('no external resources: nothing is loaded from a URL', () => {
    const tags = html.match(/<(script|link|img|iframe|object|embed|source|video|audio)\b[^>]*>/gi) ?? [];
    for (const t of tags) assert.doesNotMatch(t, /\b(src|href)\s*=/i, t);
    assert.doesNotMatch(html, /@import|url\(\s*['"]?https?:/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  test('headline, every section, every variant and every miss reason in plain words', () => {
    assert.match(html, /id="headline-coverage"[\s\S]*?50\.0%/);
    assert.match(html, /id="headline-fp"[\s\S]*?33\.3%/);
    for (const id of ['coverage-matrix', 'misses', 'variants', 'telemetry-readiness', 'provenance']) assert.match(html, new RegExp(`<section id="${id}"`));
    for (const v of report.verdicts) assert.ok(html.includes(`data-variant="${escapeHtml(v.variant_id)}"`), v.variant_id);
    for (const words of ['window exceeded', 'rule gap', 'lineage broken', 'telemetry gap', 'telemetry incomplete']) assert.ok(html.includes(words), words);
    assert.match(html, /data-collector="linux-audit"[\s\S]*?class="no lost">3</);
  });

  test('a timeline shows ground truth, telemetry and the alert with its join and latency', () => {
    const section = html.slice(html.indexOf('data-variant="python-aes/spawn-openssl"'));
    const one = section.slice(0, section.indexOf('</section>'));
    assert.match(one, /class="tl-truth"[\s\S]*ground truth: encrypt/);
    assert.match(one, /class="tl-telemetry"/);
    assert.match(one, /class="tl-alert"[\s\S]*<b class="join">parent-child<\/b>[\s\S]*<b class="latency">260 ms<\/b>/);
    assert.match(one, /class="tl-sink"/);
  });

  test('jsonForScript escapes what could end a script element', () => {
    const s = jsonForScript({ a: '</script><!-- & \u2028' });
    assert.ok(!/[<>&\u2028]/.test(s));
    assert.deepEqual(JSON.parse(s), { a: '</script><!-- & \u2028' });
  });
});
