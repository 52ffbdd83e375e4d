// Fuzz: the text parsers of the live collectors on mutated real output — strace -f -ttt, audit
// records (the parser behind the linux-audit collector and importer), tcpdump -k (PKTAP), lsof -F,
// nettop CSV and /proc files. A bad line is a counted, located problem; no exception escapes; no
// parser goes super-linear. (eslogger's parser is fuzzed through its importer in importers.test.ts.)

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createAuditStreamParser } from '../../collectors/linux-audit/parser.js';
import { decodeSockaddr } from '../../collectors/linux-audit/decode.js';
import { parseAuditRecord } from '../../collectors/linux-audit/record.js';
import { createPktapFlowTracker, parseTcpdumpLine } from '../../collectors/pktap/parse-tcpdump.js';
import { parseLsofFields } from '../../collectors/pktap/parse-lsof.js';
import { parseNettopCsv } from '../../collectors/pktap/parse-nettop.js';
import { decodeProcNetAddress, parseCmdline, parseMapsPaths, parseProcNetTcp, parseProcStat, parseStatusUids } from '../../collectors/procfs/parse.js';
import { decodeStraceString, decodeStraceStringArray, parseStraceSockaddr } from '../../collectors/strace/parse.js';
import { normalizeStraceText } from '../../collectors/strace/normalize.js';
import { checkEvent, fuzzParams, mutatedText, withinBudget } from './fuzz-kit.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const text = (f: string): string => readFileSync(join(FIX, f), 'utf8');
const linesOf = (...files: string[]): string[] => files.flatMap((f) => text(f).split('\n')).filter((l) => l !== '');

const STRACE = linesOf('strace/emulation.strace', 'strace/long-args.strace', 'strace/python.strace');
const AUDIT = linesOf('linux-audit/run.audit.log', 'linux-audit/run.ausearch-raw.log', 'linux-audit/malformed.audit.log');
const TCPDUMP = linesOf('pktap/tcpdump-pktap.txt');
const LSOF = [text('pktap/lsof-linux-real.txt'), text('pktap/lsof-macos.txt')];
const NETTOP = [text('pktap/nettop.csv'), text('pktap/nettop-usage.txt')];

const STRACE_TOKENS = ['(', ')', '[', ']', '{', '}', '"', '\\"', '\\x', '\\0', '\\n', '...', ', ', ' = ', '-1', ' ENOENT (No such file or directory)', ' <unfinished ...>', '<... execve resumed>', '+++ exited with 0 +++', '--- SIGCHLD', 'execve(', 'connect(', 'clone(', 'clone3(', 'openat(', 'sa_family=AF_INET', 'sin_port=htons(', 'sin_addr=inet_addr("', 'sin6_addr', 'inet_pton(AF_INET6, "', '/* 3 vars */', '0x', ' <0.000010>', '1754572895.', '4242 ', ' '];
const AUDIT_TOKENS = ['type=', 'SYSCALL', 'EXECVE', 'SOCKADDR', 'PROCTITLE', 'PATH', 'CWD', 'EOE', ' msg=audit(', '1754572895.123:', '):', ' a0=', ' a1=', ' argc=', ' saddr=', '020000507F000001', '0A00', ' proctitle=', '"', "'", '\x1d', 'ARCH=x86_64', ' arch=c000003e', ' syscall=59', ' syscall=42', ' success=yes', ' exit=0', ' pid=', ' ppid=', ' auid=', ' uid=', ' key="purple"', ' name=', ' nametype=NORMAL', ' a0[0]=', ' a0_len=', '(null)', ' '];
const TCPDUMP_TOKENS = ['(', ')', ', ', 'proc ', ':', 'svc BE', 'out', 'in', 'en0', 'lo0', ' IP ', ' IP6 ', ' > ', '.', '443', '127.0.0.1', '::1', 'Flags [S]', 'Flags [S.]', 'UDP', 'ICMP', 'length 0', '99999999999999999999.1 ', '1754572895.100000 ', ' '];
const LSOF_TOKENS = ['\n', 'p', 'g', 'R', 'c', 'u', 'L', 'f', 't', 'P', 'n', 'T', 'ST=ESTABLISHED', 'TCP', 'UDP', 'IPv4', 'IPv6', '->', '127.0.0.1:', '[::1]:', '*:*', '4243', '-1', '99999999999999999999', '\0'];
const NETTOP_TOKENS = ['\n', ',', 'tcp4 ', 'tcp6 ', 'udp4 ', 'quic ', '<->', ':', '.', '13:21:35.230774', '25:99:99.9', 'curl.4243', 'Established', '198.18.0.1', '::1', '[', ']', '-'];

describe('collector parsers on mutated real output', () => {
  test('strace: whole files never throw; malformed lines carry their line number', () => {
    const file = fc.array(fc.oneof({ weight: 3, arbitrary: mutatedText(STRACE, STRACE_TOKENS) }, { weight: 2, arbitrary: fc.constantFrom(...STRACE) }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(file, (ls) => {
        const input = ls.join('\n');
        const r = withinBudget('normalizeStraceText', input, () => normalizeStraceText(input, { hostId: 'h', hostName: 'fuzz' }));
        for (const ev of r.events) checkEvent('strace', ev, input);
        const total = input.split('\n').length;
        for (const m of r.malformed) assert.ok(m.line >= 1 && m.line <= total && m.message.length > 0, JSON.stringify(m));
      }),
      fuzzParams(300),
    );
  });

  test('strace value decoders never throw', () => {
    const token = mutatedText(['"a\\nb\\x41\\0"...', '["curl", "-sS", "http://x"]', '{sa_family=AF_INET, sin_port=htons(8443), sin_addr=inet_addr("127.0.0.1")}', '{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}'], STRACE_TOKENS);
    fc.assert(
      fc.property(token, (t) => {
        withinBudget('strace decoders', t, () => {
          decodeStraceString(t);
          decodeStraceStringArray(t);
          parseStraceSockaddr(t);
        });
      }),
      fuzzParams(500),
    );
  });

  test('audit: records, grouping and normalising never throw; problems carry line numbers', () => {
    const stream = fc.array(fc.oneof({ weight: 3, arbitrary: mutatedText(AUDIT, AUDIT_TOKENS) }, { weight: 2, arbitrary: fc.constantFrom(...AUDIT) }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(stream, (ls) => {
        withinBudget('audit stream', ls, () => {
          const p = createAuditStreamParser({ hostId: 'h', hostName: 'fuzz' });
          const events = ls.flatMap((l, i) => p.push(l, i + 1));
          events.push(...p.end());
          for (const ev of events) checkEvent('audit', ev, ls);
          for (const pr of p.stats().problems) assert.ok(pr.line >= 1 && pr.line <= ls.length, JSON.stringify(pr));
        });
      }),
      fuzzParams(300),
    );
  });

  test('audit value decoders never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9A-Fa-f]{0,80}$/), mutatedText(AUDIT, AUDIT_TOKENS)), (s) => {
        withinBudget('audit decoders', s, () => {
          decodeSockaddr(s);
          parseAuditRecord(s);
        });
      }),
      fuzzParams(500),
    );
  });

  test('tcpdump (PKTAP): lines and the flow tracker never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedText(TCPDUMP, TCPDUMP_TOKENS), fc.constantFrom(...TCPDUMP)), { minLength: 1, maxLength: 15 }), (ls) => {
        withinBudget('tcpdump', ls, () => {
          const t = createPktapFlowTracker({ hostId: 'h' });
          for (const l of ls) {
            parseTcpdumpLine(l);
            const r = t.push(l);
            if (r.kind === 'events') for (const ev of r.events) checkEvent('tcpdump', ev, l);
            if (r.kind === 'malformed') assert.ok(r.message.length > 0);
          }
        });
      }),
      fuzzParams(300),
    );
  });

  test('lsof -F and nettop CSV snapshots never throw; problems carry line numbers', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedText(LSOF, LSOF_TOKENS, { maxEdits: 8 }), mutatedText(NETTOP, NETTOP_TOKENS, { maxEdits: 8 })), fc.integer({ min: 0, max: 4e12 }), (t, snapshotMs) => {
        withinBudget('snapshot parsers', t, () => {
          const total = t.split('\n').length;
          for (const r of [parseLsofFields(t), parseNettopCsv(t, snapshotMs)]) {
            for (const p of r.problems) assert.ok(p.line >= 1 && p.line <= total + 1, JSON.stringify(p));
            for (const c of r.connections) assert.ok(Number.isInteger(c.pid), JSON.stringify(c));
          }
        });
      }),
      fuzzParams(300),
    );
  });

  test('/proc parsers never throw on odd file contents', () => {
    const seeds = [
      '4242 (python3 (x) y) S 4000 4242 4000 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 1000 100 18446744073709551615',
      'Name:\tcurl\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n',
      'btime 1754572000\n',
      '7f00-7f10 r-xp 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n',
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:20FB 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 55555 1 0000000000000000 100 0 0 10 0\n',
      '00000000000000000000000001000000:01BB',
    ];
    fc.assert(
      fc.property(mutatedText(seeds, ['(', ')', ' ', '\t', '\n', ':', '-', '0', 'F', '/', 'Uid:', 'btime ', '18446744073709551615']), (t) => {
        withinBudget('procfs parsers', t, () => {
          parseProcStat(t);
          parseStatusUids(t);
          parseCmdline(t);
          parseCmdline(Buffer.from(t));
          parseMapsPaths(t);
          parseProcNetTcp(t);
          decodeProcNetAddress(t);
        });
      }),
      fuzzParams(500),
    );
  });
});
