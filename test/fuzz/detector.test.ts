// Fuzz: the detector's inputs. EQL queries (parser and compiler), rule files (Elastic TOML, .eql,
// Sigma YAML with correlations), and the streaming engine fed odd events with the shipped packs
// loaded. Bad rules are PurpleErrors naming the file (and line where the text has one); no event,
// however malformed, throws out of the engine.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { compileEql, createDetector, loadRulesWithDiagnostics, parseDetectorConfig, parseEql, runEqlQuery, type DetectorConfig } from '../../src/detector/index.js';
import { parseSigmaPlaceholders } from '../../src/detector/sigma/index.js';
import { parseCondition, ConditionError } from '../../src/detector/sigma/condition.js';
import { isPurpleError, type TelemetryEvent } from '../../src/model/index.js';
import { expectOkOrLocatedError, fuzzParams, mutatedJsonLine, mutatedText, tokenSoup, withinBudget } from './fuzz-kit.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const filesIn = (dir: string, ext: RegExp): string[] => (existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).filter((f) => ext.test(f)).map((f) => join(dir, f)) : []);

// ---- seeds -------------------------------------------------------------------------------------

const INLINE_QUERIES = [
  'process where process.name == "openssl" and process.args : "enc"',
  'process where process.name in~ ("python3", "osascript") and not process.command_line like "*--help*"',
  'network where destination.port >= 1024 and cidrMatch(destination.ip, "127.0.0.0/8", "::1/128")',
  'process where process.command_line regex~ """.*(aes|chacha)[-_]?[0-9]*.*"""',
  'sequence by host.id, user.id with maxspan=60s [process where startsWith(process.name, "open")] by process.pid [network where true] by process.pid until [process where event.type == "end"]',
  'sequence with maxspan=5m [process where true] with runs=2 ![network where ?destination.port == 443] [library where dll.name : "libcrypto*"]',
  'any where length(process.args) > 3 and stringContains(process.command_line, "-k") | head 5 | tail 2',
  'process where substring(process.name, 0, 3) == "pyt" or indexOf(process.name, "sh") != null | unique process.name | filter process.pid > 1',
  'process where add(process.pid, 1) / 2 * 3 % 7 - -1 > between(process.command_line, "a", "z") | head 1',
  'process where wildcard(process.name, "py?hon*", "osa*") and concat(process.name, "x") != string(number("0x10", 16))',
];
const conformance = join(ROOT, '..', 'shared', 'conformance', 'eql');
const CONFORMANCE_QUERIES = existsSync(conformance)
  ? readdirSync(conformance)
      .filter((f) => f.endsWith('.toml'))
      .flatMap((f) => {
        try {
          const doc = parseToml(readFileSync(join(conformance, f), 'utf8').replace(/(^|[[,\s])null(?=[\s,\]])/g, '$1"null"')) as { queries?: Array<{ query?: unknown }> };
          return (doc.queries ?? []).map((q) => String(q.query ?? '').trim()).filter(Boolean);
        } catch {
          return [];
        }
      })
  : [];
const QUERIES = [...INLINE_QUERIES, ...CONFORMANCE_QUERIES];

const EQL_TOKENS = [
  ' ', 'process', 'network', 'any', ' where ', ' and ', ' or ', 'not ', 'sequence', ' by ', ' with ', 'maxspan=', 'runs=', 'until', '[', ']', '(', ')', '!', '?',
  '==', '!=', '<', '<=', '>', '>=', ':', ' like ', ' like~ ', ' regex ', ' regex~ ', ' in ', ' in~ ', '"', '"""', "'", '\\', '\\"', '*', '?', ',', '|', ' head ', ' tail ',
  ' filter ', ' unique ', 'process.name', 'process.args', '`odd field`', '1', '-1', '1.5e3', '0x10', '99999999999999999999', 'null', 'true', 'false', 'cidrMatch(', 'length(',
  'startsWith(', 'substring(', 'concat(', 'number(', 'between(', 'add(', '${', '}', '\n', '//', '/*', '*/', '(a+)+', '\\1', '(?=', '[z-a]', '{3,2}', '5s', '1d', '0ms',
];

const DET_CONFIG_TEXT = read('rules/config/det0503.yaml');
const config: DetectorConfig = {
  ...parseDetectorConfig(DET_CONFIG_TEXT, 'rules/config/det0503.yaml'),
  placeholders: parseSigmaPlaceholders(read('rules/config/sigma-placeholders.yaml'), 'rules/config/sigma-placeholders.yaml'),
};
const ctx = { config, maxOpenSequences: 100 };

const TOML_FILES = filesIn('rules/eql', /\.toml$/);
const SIGMA_FILES = [
  ...filesIn('rules/sigma', /\.ya?ml$/),
  ...['rules', 'correlation', 'filter'].flatMap((d) => filesIn(`test/fixtures/sigma/schema-samples/${d}`, /\.ya?ml$/)),
];
const RULE_TEXTS = [...TOML_FILES, ...SIGMA_FILES].map(read);

const RULE_TOKENS = [
  ...EQL_TOKENS, 'title: ', 'detection:', 'condition: ', 'selection', '1 of ', 'all of ', ' them', 'sel*', '|contains', '|endswith', '|re', '|cidr', '|all', '|windash',
  '|base64offset', '|i', '|expand', '%Name%', '- ', '  ', '\n  ', 'correlation:', 'type: ', 'temporal_ordered', 'event_count', 'value_count', 'group-by:', 'timespan: ',
  'rules:', 'gte: ', 'field: ', 'logsource:', 'product: ', 'category: ', '&a ', '*a', '---\n', '{', '}', 'query = ', "'''", '[rule]', '[rule.purple]', 'join_strength = ',
  'severity = ', 'language = ', '${EncryptionRoutinePattern.command_line}', '${DET0503.maxspan|raw}', '${Nope}',
];

// ---- events ------------------------------------------------------------------------------------

const EVENT_LINES = [
  ...filesIn('test/fixtures/det0503', /\.ndjson$/),
  ...filesIn('test/fixtures/sigma/det0503', /\.ndjson$/),
].flatMap((f) => read(f).split('\n').filter((l) => l.trim() !== ''));

/** Events as any importer or a hostile file could deliver them: fields of the wrong type, missing, huge. */
const oddEvent: fc.Arbitrary<TelemetryEvent> = fc.oneof(
  { weight: 4, arbitrary: mutatedJsonLine(EVENT_LINES) },
  { weight: 1, arbitrary: fc.constantFrom(...EVENT_LINES) },
).map((l) => JSON.parse(l) as TelemetryEvent);

// ---- properties --------------------------------------------------------------------------------

describe('EQL parser and compiler', () => {
  test(`seeds: ${QUERIES.length} queries (${CONFORMANCE_QUERIES.length} from Elasticsearch's suite)`, () => assert.ok(QUERIES.length >= INLINE_QUERIES.length));

  const query = fc.oneof({ weight: 4, arbitrary: mutatedText(QUERIES, EQL_TOKENS) }, { weight: 1, arbitrary: tokenSoup(EQL_TOKENS, 40) });

  test('mutated queries parse, or fail with a PurpleError that has a line', () => {
    fc.assert(
      fc.property(query, (q) => {
        expectOkOrLocatedError('parseEql', q, () => parseEql(q), { needLine: true });
        expectOkOrLocatedError('compileEql', q, () => compileEql(q), { needLine: true });
      }),
      fuzzParams(600),
    );
  });

  test('deep nesting is refused or handled, never a stack overflow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('(', 'not ', '-', '!'), (depth, open) => {
        const q = `process where ${open.repeat(depth)}true${open === '(' ? ')'.repeat(depth) : ''}`;
        expectOkOrLocatedError('parseEql', `${open} x ${depth}`, () => compileEql(q), { needLine: true });
      }),
      fuzzParams(30),
    );
  });

  test('queries that compile run over odd events without throwing', () => {
    const good = QUERIES.filter((q) => {
      try {
        compileEql(q);
        return true;
      } catch {
        return false;
      }
    });
    assert.ok(good.length >= 5);
    fc.assert(
      fc.property(fc.constantFrom(...good), fc.array(oddEvent, { maxLength: 8 }), (q, events) => {
        expectOkOrLocatedError('runEqlQuery', { q, events }, () => runEqlQuery(q, events as unknown as object[]));
      }),
      fuzzParams(300),
    );
  });
});

describe('rule files (Elastic TOML, .eql, Sigma YAML)', () => {
  test(`seeds: ${TOML_FILES.length} TOML rules, ${SIGMA_FILES.length} Sigma files`, () => assert.ok(TOML_FILES.length > 0 && SIGMA_FILES.length > 0));

  const file = fc.tuple(mutatedText(RULE_TEXTS, RULE_TOKENS), fc.constantFrom('fuzz/rule.toml', 'fuzz/rule.eql', 'fuzz/rule.yml')).map(([text, path]) => ({ path, text }));

  test('mutated rule files load or give PurpleErrors naming the file', () => {
    fc.assert(
      fc.property(fc.array(file, { minLength: 1, maxLength: 3 }), (files) => {
        const named = files.map((f, i) => ({ path: f.path.replace('rule', `rule${i}`), text: f.text }));
        const r = withinBudget('loadRulesWithDiagnostics', named, () => loadRulesWithDiagnostics(named, ctx));
        for (const e of r.errors) {
          assert.ok(isPurpleError(e), `not a PurpleError: ${String(e)}`);
          assert.ok(named.some((f) => f.path === e.location.file), `error without its file: ${e.message} (${JSON.stringify(e.location)})`);
          // INTERNAL is the loader's wrapper for an exception it did not expect: a bug, not bad input.
          assert.notEqual(e.code, 'INTERNAL', `unexpected exception while loading: ${e.message}`);
        }
      }),
      fuzzParams(400),
    );
  });

  test('Sigma conditions: parse or a ConditionError, never anything else', () => {
    const CONDS = ['sel', 'sel and not filter', '1 of sel*', 'all of them', '(a or b) and not (c or d)', 'x | count() > 5', 'not 1 of filter_*'];
    const TOK = [' and ', ' or ', 'not ', '(', ')', '1 of ', 'all of ', 'them', 'sel', '*', ' ', '|', 'count()', '>', '5', 'a', '_'];
    fc.assert(
      fc.property(fc.oneof(mutatedText(CONDS, TOK), tokenSoup(TOK, 30)), (c) => {
        withinBudget('parseCondition', c, () => {
          try {
            parseCondition(c);
          } catch (e) {
            assert.ok(e instanceof ConditionError, `parseCondition threw ${(e as Error).name}: ${(e as Error).message} on ${JSON.stringify(c)}`);
          }
        });
      }),
      fuzzParams(600),
    );
  });
});

describe('streaming engine with the shipped packs', () => {
  const packFiles = [...TOML_FILES, ...filesIn('rules/sigma', /\.ya?ml$/)].map((p) => ({ path: p, text: read(p) }));
  const loaded = loadRulesWithDiagnostics(packFiles, ctx);

  test('the shipped packs load cleanly (the fuzz below runs them)', () => {
    assert.deepEqual(loaded.errors.map((e) => e.format()), []);
    assert.ok(loaded.rules.length >= 10);
  });

  test('odd events never throw out of the engine; the stats stay consistent', () => {
    fc.assert(
      fc.property(fc.array(oddEvent, { minLength: 1, maxLength: 20 }), (events) => {
        withinBudget('detector', events, () => {
          const d = createDetector(loaded.rules, { reorderWindowMs: 1000 });
          for (const ev of events) d.push(ev);
          d.finish();
          const s = d.stats();
          assert.ok(s.events_processed <= events.length, JSON.stringify(s));
        });
      }),
      fuzzParams(200),
    );
  });
});
