// The JXA emulation runs in a Node vm with a recording stand-in for the ObjC bridge: the test
// checks the CommonCrypto call (operation, algorithm, options, key size, key, iv, buffers) and the
// NSURLSession request (URL, method, token header, body), and that the written ciphertext decrypts.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';

const SOURCE = readFileSync(join('scenarios', 'osascript', 'encrypt-upload.js'), 'utf8');

class FakeData {
  constructor(public buf: Buffer) {}
  get bytes(): { ptr: FakeData } {
    return { ptr: this };
  }
  get length(): number {
    return this.buf.length;
  }
  writeToFileAtomically(path: string, _atomic: boolean): boolean {
    writeFileSync(path, this.buf);
    return true;
  }
}
class FakeMutableData extends FakeData {
  get mutableBytes(): { ptr: FakeData; mutable: true } {
    return { ptr: this, mutable: true };
  }
  setLength(n: number): void {
    this.buf = this.buf.subarray(0, n);
  }
}

interface Recorder {
  imports: string[];
  bound: Record<string, unknown>;
  ccCrypt: unknown[][];
  refs: Array<string | undefined>;
  requests: Array<{ url: string; method?: string; headers: Record<string, string>; body?: Buffer; resumed: boolean }>;
}

function makeBridge(env: Record<string, string>, opts: { ccStatus?: number; httpStatus?: number } = {}) {
  const rec: Recorder = { imports: [], bound: {}, ccCrypt: [], refs: [], requests: [] };
  const nil = { js: undefined, isNil: () => true };
  const nsString = (s: string) => ({ js: s, isNil: () => false, dataUsingEncoding: (enc: number) => (assert.equal(enc, 4), new FakeData(Buffer.from(s, 'utf8'))) });
  const pending: Array<() => void> = [];

  const impl: Record<string, (...a: unknown[]) => unknown> = {
    CCCrypt: (...args: unknown[]) => {
      rec.ccCrypt.push(args);
      const [op, alg, options, key, keyLen, iv, dataIn, dataInLen, dataOut, dataOutAvail, moved] = args as [number, number, number, { ptr: FakeData }, number, { ptr: FakeData }, { ptr: FakeData }, number, { ptr: FakeData; mutable?: boolean }, number, number[]];
      if (opts.ccStatus) return opts.ccStatus;
      assert.ok(dataOut.mutable, 'dataOut must be a mutable buffer');
      const c = createCipheriv(`aes-${keyLen * 8}-cbc`, key.ptr.buf.subarray(0, keyLen), iv.ptr.buf);
      c.setAutoPadding((options & 1) === 1);
      const out = Buffer.concat([c.update(dataIn.ptr.buf.subarray(0, dataInLen)), c.final()]);
      assert.ok(out.length <= dataOutAvail && op === 0 && alg === 0);
      out.copy(dataOut.ptr.buf);
      moved[0] = out.length;
      return 0;
    },
    getppid: () => 4000,
  };

  const $: Record<string, unknown> & ((s?: string) => unknown) = Object.assign((s?: string) => (s === undefined ? nil : nsString(s)), {
    NSUTF8StringEncoding: 4,
    NSProcessInfo: { processInfo: { environment: { objectForKey: (k: string) => (env[k] === undefined ? nil : nsString(env[k]!)) }, processIdentifier: 4242 } },
    NSData: {
      alloc: { initWithBase64EncodedStringOptions: (s: { js: string }, o: number) => (assert.equal(o, 0), new FakeData(Buffer.from(s.js, 'base64'))) },
      dataWithContentsOfFile: (p: string) => new FakeData(readFileSync(p)),
      get data() {
        return new FakeData(Buffer.alloc(0));
      },
    },
    NSMutableData: { dataWithLength: (n: number) => new FakeMutableData(Buffer.alloc(n)) },
    NSFileManager: { defaultManager: { fileExistsAtPath: (p: string) => existsSync(p), createFileAtPathContentsAttributes: (p: string, d: FakeData) => (writeFileSync(p, d.buf), true) } },
    NSFileHandle: {
      fileHandleForWritingAtPath: (p: string) => ({
        get seekToEndOfFile() {
          return 0;
        },
        writeData: (d: FakeData) => appendFileSync(p, d.buf),
        get closeFile() {
          return undefined;
        },
      }),
    },
    NSURL: { URLWithString: (s: string) => ({ url: s }) },
    NSMutableURLRequest: {
      requestWithURL: (u: { url: string }) => {
        const r: Recorder['requests'][number] = { url: u.url, headers: {}, resumed: false };
        rec.requests.push(r);
        return {
          setHTTPMethod: (m: string) => void (r.method = m),
          setValueForHTTPHeaderField: (value: string, field: string) => void (r.headers[field] = value),
          setHTTPBody: (d: FakeData) => void (r.body = Buffer.from(d.buf)),
          _rec: r,
        };
      },
    },
    NSURLSession: {
      sharedSession: {
        dataTaskWithRequestCompletionHandler: (req: { _rec: Recorder['requests'][number] }, cb: (d: unknown, resp: unknown, err: unknown) => void) => ({
          get resume() {
            req._rec.resumed = true;
            pending.push(() => cb(new FakeData(Buffer.from('ok')), { statusCode: opts.httpStatus ?? 200 }, nil));
            return undefined;
          },
        }),
      },
    },
    NSRunLoop: { currentRunLoop: { runUntilDate: () => pending.shift()?.() } },
    NSDate: { dateWithTimeIntervalSinceNow: (s: number) => ({ s }) },
  });

  const ObjC = {
    import: (name: string) => void rec.imports.push(name),
    bindFunction: (name: string, sig: unknown) => {
      rec.bound[name] = sig;
      const f = impl[name];
      assert.ok(f, `the stand-in has no implementation for ${name}`);
      $[name] = f;
    },
    unwrap: (x: unknown) => (x as { js?: unknown })?.js ?? x,
  };
  const Ref = (type?: string) => {
    rec.refs.push(type);
    return [] as number[];
  };
  return { rec, context: vm.createContext({ ObjC, $, Ref }) };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'purple-jxa-'));
  const payload = Buffer.from(`PURPLE-HARNESS-CANARY v1 run=r1 variant=osascript/jxa\n${'filler\n'.repeat(200)}`);
  writeFileSync(join(dir, 'payload'), payload);
  const env = {
    PURPLE_PAYLOAD: join(dir, 'payload'),
    PURPLE_OUT: join(dir, 'payload.enc'),
    PURPLE_JOURNAL: join(dir, 'journal.jsonl'),
    PURPLE_KEY_HEX: randomBytes(32).toString('hex'),
    PURPLE_IV_HEX: randomBytes(16).toString('hex'),
    PURPLE_SINK_URL: 'http://127.0.0.1:40123/upload/osascript/jxa-commoncrypto+nsurlsession',
    PURPLE_SINK_TOKEN: 'tok-jxa',
  };
  const journal = () =>
    existsSync(env.PURPLE_JOURNAL)
      ? readFileSync(env.PURPLE_JOURNAL, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; pid: number; ppid: number; details: Record<string, unknown> })
      : [];
  return { dir, payload, env, journal, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('JXA CommonCrypto + NSURLSession emulation', () => {
  test('CCCrypt arguments, the upload request, the ciphertext and the journal', () => {
    const s = setup();
    try {
      const { rec, context } = makeBridge(s.env);
      vm.runInContext(SOURCE, context, { filename: 'encrypt-upload.js' });
      (context as { run: (argv: string[]) => void }).run([]);

      assert.deepEqual(rec.imports, ['Foundation']);
      assert.deepEqual(JSON.parse(JSON.stringify(rec.bound.CCCrypt)), ['int', ['int', 'int', 'int', 'void *', 'unsigned long', 'void *', 'void *', 'unsigned long', 'void *', 'unsigned long', 'unsigned long *']]);
      assert.equal(rec.ccCrypt.length, 1);
      const [op, alg, options, key, keyLen, iv, dataIn, dataInLen, , dataOutAvail, moved] = rec.ccCrypt[0] as [number, number, number, { ptr: FakeData }, number, { ptr: FakeData }, { ptr: FakeData }, number, unknown, number, unknown];
      assert.equal(op, 0, 'kCCEncrypt');
      assert.equal(alg, 0, 'kCCAlgorithmAES');
      assert.equal(options, 1, 'kCCOptionPKCS7Padding, CBC (no kCCOptionECBMode)');
      assert.equal(keyLen, 32, 'kCCKeySizeAES256');
      assert.equal(key.ptr.buf.toString('hex'), s.env.PURPLE_KEY_HEX);
      assert.equal(iv.ptr.buf.toString('hex'), s.env.PURPLE_IV_HEX);
      assert.ok(dataIn.ptr.buf.equals(s.payload));
      assert.equal(dataInLen, s.payload.length);
      assert.ok(dataOutAvail >= s.payload.length + 16, 'room for the padding block');
      assert.ok(Array.isArray(moved), 'dataOutMoved is a Ref');
      assert.deepEqual(rec.refs, ['unsigned long'], 'a size_t out-parameter');

      const written = readFileSync(s.env.PURPLE_OUT);
      const d = createDecipheriv('aes-256-cbc', Buffer.from(s.env.PURPLE_KEY_HEX, 'hex'), Buffer.from(s.env.PURPLE_IV_HEX, 'hex'));
      assert.ok(Buffer.concat([d.update(written), d.final()]).equals(s.payload), 'ciphertext decrypts to the canary');

      assert.equal(rec.requests.length, 1);
      const req = rec.requests[0]!;
      assert.equal(req.url, s.env.PURPLE_SINK_URL);
      assert.equal(req.method, 'POST');
      assert.equal(req.headers['X-Purple-Token'], 'tok-jxa');
      assert.ok(req.body?.equals(written), 'the body is the ciphertext');
      assert.ok(req.resumed);

      const j = s.journal();
      assert.deepEqual(j.map((e) => e.action), ['start', 'encrypt', 'upload', 'exit']);
      assert.ok(j.every((e) => e.pid === 4242 && e.ppid === 4000), 'same process did both');
      assert.deepEqual(j[1]?.details, { tool: 'jxa-commoncrypto', cipher: 'aes-256-cbc-raw', bytes: written.length });
      assert.deepEqual(j[2]?.details, { tool: 'nsurlsession', protocol: 'http', destination: '127.0.0.1:40123', bytes: written.length });
    } finally {
      s.cleanup();
    }
  });

  const failures: Array<[string, { ccStatus?: number; httpStatus?: number }, RegExp, number]> = [
    ['CCCrypt error: no upload', { ccStatus: -4300 }, /CCCrypt failed with status -4300/, 0],
    ['sink refuses: the failure is journaled', { httpStatus: 401 }, /sink answered 401/, 1],
  ];
  for (const [name, opts, err, requests] of failures) {
    test(name, () => {
      const s = setup();
      try {
        const { rec, context } = makeBridge(s.env, opts);
        vm.runInContext(SOURCE, context);
        assert.throws(() => (context as { run: (a: string[]) => void }).run([]), err);
        assert.equal(rec.requests.length, requests);
        const j = s.journal();
        assert.equal(j.at(-1)?.action, 'exit');
        assert.deepEqual(j.at(-1)?.details, { code: 1 });
        assert.ok(!j.some((e) => e.action === 'upload'));
      } finally {
        s.cleanup();
      }
    });
  }
});
