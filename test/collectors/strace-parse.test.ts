import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createStraceParser, decodeStraceString, decodeStraceStringArray, parseStraceSockaddr, splitCall } from '../../collectors/strace/parse.js';
import { normalizeStraceText } from '../../collectors/strace/normalize.js';
import { buildStraceArgv, parseStraceVersion } from '../../collectors/strace/command.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/strace/${name}`, import.meta.url), 'utf8');
const PORT = Number(/port=(\d+)/.exec(fixture('run.meta'))![1]);

describe('strace strings and arguments', () => {
  const strings: Array<[string, string, boolean]> = [
    ['"plain"', 'plain', false],
    ['"tab\\tnl\\n\\"q\\" back\\\\"', 'tab\tnl\n"q" back\\', false],
    ['"\\303\\274n"', 'ün', false],
    ['"\\x41\\x42"', 'AB', false],
    ['"\\0"', '\0', false],
    ['"abc"...', 'abc', true],
  ];
  for (const [tok, text, truncated] of strings) test(`decode ${tok}`, () => assert.deepEqual(decodeStraceString(tok), { text, truncated }));
  test('argv arrays', () => {
    assert.deepEqual(decodeStraceStringArray('["sh", "-c", "a, b [c]"]'), ['sh', '-c', 'a, b [c]']);
    assert.deepEqual(decodeStraceStringArray('["a", "b"...]'), ['a', 'b']);
    assert.equal(decodeStraceStringArray('0x1234'), undefined);
  });
  const calls: Array<[string, unknown]> = [
    ['execve("/bin/x", ["x", "a)b"], 0x7ffc /* 35 vars, a, b */) = 0 <0.000300>', { name: 'execve', args: ['"/bin/x"', '["x", "a)b"]', '0x7ffc /* 35 vars, a, b */'], ret: 0 }],
    ['connect(5, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}, 16) = -1 EINPROGRESS (Operation now in progress) <0.1>', { name: 'connect', args: ['5', '{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}', '16'], ret: -1, errno: 'EINPROGRESS' }],
    ['vfork() = 12', { name: 'vfork', args: [], ret: 12 }],
    ['exit_group(0) = ?', { name: 'exit_group', args: ['0'], ret: undefined }],
    ['execve("/bin/x', { error: 'unterminated string (truncated line?)' }],
    ['connect(3, {sa_family=AF_INET', { error: 'unbalanced parentheses (truncated line?)' }],
  ];
  for (const [body, want] of calls) test(`split ${body.slice(0, 40)}`, () => assert.deepEqual(splitCall(body), want));
  const socks: Array<[string, unknown]> = [
    ['{sa_family=AF_INET, sin_port=htons(36225), sin_addr=inet_addr("127.0.0.1")}', { family: 'inet', ip: '127.0.0.1', port: 36225 }],
    ['{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}', { family: 'inet6', ip: '::1', port: 443 }],
    ['{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:10.0.0.1", &sin6_addr), sin6_scope_id=0}', { family: 'inet', ip: '10.0.0.1', port: 443 }],
    ['{sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}', { family: 'other', name: 'AF_UNIX' }],
  ];
  for (const [tok, want] of socks) test(`sockaddr ${tok.slice(0, 30)}`, () => assert.deepEqual(parseStraceSockaddr(tok), want));
});

describe('unfinished / resumed', () => {
  test('joins the halves per pid and stamps the call with its entry time', () => {
    const p = createStraceParser();
    assert.deepEqual(p.push('10  100.000001 vfork( <unfinished ...>'), { kind: 'pending' });
    assert.deepEqual(p.push('11  100.000002 execve("/bin/true", ["true"], 0x1 /* 1 var */ <unfinished ...>'), { kind: 'pending' });
    const v = p.push('10  100.000003 <... vfork resumed>) = 11 <0.000002>');
    assert.ok(v.kind === 'call');
    assert.deepEqual([v.call.pid, v.call.name, v.call.ret, v.call.timeMs], [10, 'vfork', 11, 100000.001]);
    const e = p.push('11  100.000004 <... execve resumed>) = 0 <0.000002>');
    assert.ok(e.kind === 'call');
    assert.deepEqual(e.call.args.slice(0, 2), ['"/bin/true"', '["true"]']);
    assert.equal(p.unfinished(), 0);
  });
  const bad: Array<[string, RegExp]> = [
    ['garbage', /expected "PID TIME/],
    ['12 100.0 <... read resumed>) = 0', /without its unfinished start/],
    ['12 10:00:00.000001 vfork() = 3', /unusable timestamp/],
  ];
  for (const [line, re] of bad) test(`malformed: ${line}`, () => {
    const r = createStraceParser().push(line);
    assert.ok(r.kind === 'malformed' && re.test(r.message), JSON.stringify(r));
  });
  test('-tt time of day needs the day it belongs to', () => {
    const r = createStraceParser({ dayStartMs: Date.UTC(2026, 0, 1) }).push('12 10:00:00.000001 vfork() = 3');
    assert.ok(r.kind === 'call');
    assert.equal(r.call.timeMs, Date.UTC(2026, 0, 1, 10) + 0.001);
  });
  test('signals and exits are skipped', () => {
    assert.equal(createStraceParser().push('12 1.0 +++ exited with 0 +++').kind, 'skipped');
    assert.equal(createStraceParser().push('12 1.0 --- SIGCHLD {si_signo=SIGCHLD} ---').kind, 'skipped');
  });
});

describe('real strace output (fixtures made by generate.sh)', () => {
  test('emulation: sh → openssl and curl siblings, libcrypto loads, IPv4 and IPv6 connects', () => {
    const r = normalizeStraceText(fixture('emulation.strace'), { hostId: 'h' });
    assert.deepEqual(r.malformed, []);
    const execs = r.events.filter((e) => e.event.action === 'exec');
    assert.deepEqual(execs.map((e) => e.process?.name), ['sh', 'openssl', 'curl', 'curl']);
    const [sh, openssl, curl4, curl6] = execs;
    for (const child of [openssl, curl4, curl6]) {
      assert.equal(child?.process?.parent?.pid, sh?.process?.pid);
      assert.equal(child?.process?.parent?.entity_id, sh?.process?.entity_id);
    }
    assert.deepEqual(openssl?.process?.args, ['openssl', 'enc', '-aes-256-cbc', '-pbkdf2', '-pass', 'pass:x', '-in', 'F', '-out', 'G']);
    const conns = r.events.filter((e) => e.event.category === 'network');
    assert.deepEqual(conns.map((e) => [e.destination?.ip, e.destination?.port, e.process?.entity_id, e.event.outcome]), [
      ['127.0.0.1', PORT, curl4?.process?.entity_id, 'unknown'],
      ['::1', PORT, curl6?.process?.entity_id, 'unknown'],
    ]);
    const libs = r.events.filter((e) => e.event.category === 'library' && e.dll?.name === 'libcrypto.so.3');
    assert.deepEqual(libs.map((e) => e.process?.pid), [openssl?.process?.pid, curl4?.process?.pid, curl6?.process?.pid]);
    assert.equal(r.events.filter((e) => e.event.action === 'fork').length, 3);
    assert.match(r.events[0]!['@timestamp'], /\.\d{6}Z$/, 'microseconds kept');
  });
  test('python: a thread\'s connect belongs to the process; cryptography native module load; posix_spawn child', () => {
    const r = normalizeStraceText(fixture('python.strace'), { hostId: 'h' });
    const py = r.events.find((e) => e.event.action === 'exec')!;
    const conn = r.events.find((e) => e.event.category === 'network');
    assert.ok(conn);
    assert.equal(conn.process?.pid, py.process?.pid);
    assert.equal(conn.event.outcome, 'success');
    assert.ok(r.events.some((e) => e.dll?.name === '_rust.abi3.so'));
    const child = r.events.find((e) => e.event.action === 'exec' && e.process?.args?.[0] === 'sh');
    assert.equal(child?.process?.parent?.entity_id, py.process?.entity_id);
    assert.equal(r.events.filter((e) => e.event.action === 'fork').length, 1, 'the thread is not a fork');
  });
  test('long arguments are kept whole; escapes decoded', () => {
    const r = normalizeStraceText(fixture('long-args.strace'), { hostId: 'h' });
    const echo = r.events.find((e) => e.event.action === 'exec');
    assert.equal(echo?.process?.args?.[1], 'A'.repeat(9000));
    assert.deepEqual(echo?.process?.args?.slice(2), ['tab\tand "quote"', 'ünïcode']);
  });
});

describe('command line', () => {
  test('strace options and the wrapped argv after --', () => {
    const argv = buildStraceArgv('/usr/bin/strace', '/tmp/x.log', ['sh', '-c', 'true'], { seccompBpf: true });
    assert.deepEqual(argv.slice(-5), ['/tmp/x.log', '--', 'sh', '-c', 'true']);
    for (const f of ['-f', '-ttt', '-T', '--seccomp-bpf']) assert.ok(argv.includes(f), f);
    assert.ok(!buildStraceArgv('s', 'o', ['x'], { seccompBpf: false }).includes('--seccomp-bpf'));
    assert.deepEqual(parseStraceVersion('strace -- version 6.1\nCopyright'), [6, 1]);
  });
});
