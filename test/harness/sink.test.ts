// The upload sink with real clients: curl (raw, -T, -F multipart), python's WebSocket client from
// the catalogue, raw TCP; token rejection, limits, malformed requests and frames.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { generateCanary, generateRunSecrets, startSink, uploadUrl, websocketUrl, type Sink } from '../../harness/index.js';
import { tokensEqual, tokenFromHeaders } from '../../harness/sink/token.js';
import { makeSelfSignedCert } from '../../harness/sink/tls-cert.js';

const run = promisify(execFile);
const RUN = 'sink-run-1';
const V = 'sc/enc+up';
const secrets = generateRunSecrets();
const ciphers = new Map([
  [V, 'aes-256-cbc-pbkdf2'],
  ['sc/plain', 'none'],
]);
let dir = '';
let enc = '';
let plainFile = '';
let sink: Sink;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'purple-sinktest-'));
  plainFile = join(dir, 'payload.txt');
  writeFileSync(plainFile, generateCanary(RUN, V, 20_000));
  writeFileSync(join(dir, 'pass'), secrets.passphrase, { mode: 0o600 });
  enc = join(dir, 'payload.enc');
  await run('openssl', ['enc', '-aes-256-cbc', '-pbkdf2', '-salt', '-pass', `file:${join(dir, 'pass')}`, '-in', plainFile, '-out', enc]);
  const cert = await makeSelfSignedCert(dir);
  assert.ok(!('error' in cert), 'openssl made a certificate');
  sink = await startSink({
    runId: RUN,
    secrets,
    cipherFor: (id) => ciphers.get(id),
    limits: { maxBodyBytes: 100_000, maxHeaderBytes: 4096, idleTimeoutMs: 800 },
    ...('error' in cert ? {} : { tls: cert }),
  });
});
after(async () => {
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function curl(args: string[]): Promise<{ code: number; body: string }> {
  const r = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const text = String(r.stdout);
  const nl = text.lastIndexOf('\n');
  return { code: Number(text.slice(nl + 1)), body: text.slice(0, nl) };
}

function lastReceipt() {
  const all = sink.receipts();
  return all[all.length - 1];
}

describe('HTTP uploads from curl', () => {
  const cases: Array<{ name: string; args: () => string[]; expectBytes: () => number }> = [
    { name: 'POST --data-binary with Bearer', args: () => ['-X', 'POST', '-H', `Authorization: Bearer ${secrets.token}`, '--data-binary', `@${enc}`, uploadUrl(sink.endpoints, V)], expectBytes: () => readFileSync(enc).length },
    { name: 'PUT -T with X-Purple-Token', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, '-T', enc, uploadUrl(sink.endpoints, V)], expectBytes: () => readFileSync(enc).length },
    { name: 'multipart -F file=@', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, '-F', 'note=hello', '-F', `file=@${enc}`, uploadUrl(sink.endpoints, V)], expectBytes: () => readFileSync(enc).length },
  ];
  for (const c of cases) {
    test(`${c.name}: recorded and ciphertext verified`, async () => {
      const before = sink.receipts().length;
      const r = await curl(c.args());
      assert.equal(r.code, 200, r.body);
      assert.equal(sink.receipts().length, before + 1);
      const rec = lastReceipt();
      assert.ok(rec);
      assert.equal(rec.protocol, 'http');
      assert.equal(rec.variant_id, V);
      assert.equal(rec.bytes, c.expectBytes());
      assert.equal(rec.ciphertext_verified, true, rec.note);
      assert.match(rec.peer, /^127\.0\.0\.1:\d+$/);
      assert.equal(JSON.parse(r.body).sha256, rec.sha256);
    });
  }
  test('plaintext upload to a cipher-none variant is recorded as plaintext', async () => {
    const r = await curl(['-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${plainFile}`, uploadUrl(sink.endpoints, 'sc/plain')]);
    assert.equal(r.code, 200);
    const rec = lastReceipt();
    assert.equal(rec?.plaintext, true);
    assert.equal(rec?.ciphertext_verified, false);
  });
  test('HTTPS through the TLS listener (openssl s_client style client: curl -k)', async () => {
    assert.ok(sink.endpoints.tls);
    const r = await curl(['-k', '-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${enc}`, `https://${sink.endpoints.tls}/upload/${V}`]);
    assert.equal(r.code, 200, r.body);
    assert.equal(lastReceipt()?.ciphertext_verified, true);
    assert.match(lastReceipt()?.note ?? '', /TLS/);
  });
});

describe('refusals', () => {
  const cases: Array<{ name: string; args: () => string[]; code: number }> = [
    { name: 'no token', args: () => ['--data-binary', `@${enc}`, uploadUrl(sink.endpoints, V)], code: 401 },
    { name: 'wrong token, same length', args: () => ['-H', `X-Purple-Token: ${'x'.repeat(secrets.token.length)}`, '--data-binary', `@${enc}`, uploadUrl(sink.endpoints, V)], code: 401 },
    { name: 'token prefix only', args: () => ['-H', `Authorization: Bearer ${secrets.token.slice(0, 10)}`, '--data-binary', `@${enc}`, uploadUrl(sink.endpoints, V)], code: 401 },
    { name: 'unknown variant', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${enc}`, uploadUrl(sink.endpoints, 'sc/nope')], code: 404 },
    { name: 'wrong path', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${enc}`, `${sink.endpoints.httpBase}/other`], code: 404 },
    { name: 'GET', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, uploadUrl(sink.endpoints, V)], code: 405 },
    { name: 'body over the limit', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${join(dir, 'big')}`, uploadUrl(sink.endpoints, V)], code: 413 },
    { name: 'header over the limit', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, '-H', `X-Pad: ${'a'.repeat(8000)}`, '--data-binary', `@${enc}`, uploadUrl(sink.endpoints, V)], code: 431 },
    { name: 'malformed multipart', args: () => ['-H', `X-Purple-Token: ${secrets.token}`, '-H', 'Content-Type: multipart/form-data; boundary=zzz', '--data-binary', 'not multipart', uploadUrl(sink.endpoints, V)], code: 400 },
  ];
  for (const c of cases) {
    test(`${c.name} → ${c.code}, nothing recorded`, async () => {
      writeFileSync(join(dir, 'big'), Buffer.alloc(150_000, 1));
      const before = sink.receipts().length;
      const r = await curl(c.args());
      assert.equal(r.code, c.code, r.body);
      assert.equal(sink.receipts().length, before);
    });
  }
});

describe('token comparison', () => {
  const cases: Array<[string | undefined, string, boolean]> = [
    ['abc123abc123', 'abc123abc123', true],
    ['abc123abc124', 'abc123abc123', false],
    ['abc', 'abc123abc123', false],
    ['abc123abc123abc', 'abc123abc123', false],
    ['', 'abc123abc123', false],
    [undefined, 'abc123abc123', false],
  ];
  for (const [given, expected, ok] of cases) test(`${String(given)} vs ${expected} → ${ok}`, () => assert.equal(tokensEqual(given, expected), ok));
  test('header forms', () => {
    assert.equal(tokenFromHeaders({ authorization: 'Bearer t0k' }), 't0k');
    assert.equal(tokenFromHeaders({ authorization: 'bearer  t0k ' }), 't0k');
    assert.equal(tokenFromHeaders({ 'x-purple-token': ' t1 ' }), 't1');
    assert.equal(tokenFromHeaders({ authorization: 'Basic abc' }), undefined);
  });
});

function rawExchange(port: number, data: Buffer | string, opts: { endAfterWrite?: boolean } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (c) => (text += c.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ text, closed: true }));
    s.on('connect', () => {
      s.write(data);
      if (opts.endAfterWrite) s.end();
    });
    setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, 5000).unref();
  });
}

describe('malformed HTTP', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['garbage request line', 'HELLO THERE\r\n\r\n', /^HTTP\/1\.1 400/],
    ['bad header line', 'POST /upload/x HTTP/1.1\r\nBad Header\r\n\r\n', /^HTTP\/1\.1 400/],
    ['invalid content-length', 'POST /upload/x HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n', /^HTTP\/1\.1 400/],
    ['binary junk', '\x00\x01\x02\xff\xfe\r\n\r\n', /^HTTP\/1\.1 400/],
  ];
  for (const [name, data, expect] of cases) {
    test(`${name} gets an error response and the sink lives on`, async () => {
      const r = await rawExchange(sink.ports.http, data);
      assert.match(r.text, expect);
      const ok = await curl(['-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${enc}`, uploadUrl(sink.endpoints, V)]);
      assert.equal(ok.code, 200);
    });
  }
  test('an idle connection is closed', async () => {
    const r = await rawExchange(sink.ports.http, 'POST /upload/x HTTP/1.1\r\n');
    assert.equal(r.closed, true);
  });
});

describe('WebSocket uploads', () => {
  test('python client from the catalogue (fragmented binary message) is recorded and verified', async () => {
    const before = sink.receipts().length;
    const code = `import sys; sys.path.insert(0, sys.argv[1]); import ws_client; ws_client.upload(sys.argv[2], sys.argv[3], open(sys.argv[4],'rb').read(), chunk_size=4096)`;
    await run('python3', ['-c', code, join(process.cwd(), 'scenarios', 'lib'), websocketUrl(sink.endpoints, V), secrets.token, enc]);
    await sink.settle(2000);
    assert.equal(sink.receipts().length, before + 1);
    const rec = lastReceipt();
    assert.equal(rec?.protocol, 'websocket');
    assert.equal(rec?.bytes, readFileSync(enc).length);
    assert.equal(rec?.ciphertext_verified, true);
  });
  test('node ws client with ?token= and several messages', async () => {
    const before = sink.receipts().length;
    const body = readFileSync(enc);
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${websocketUrl(sink.endpoints, V)}?token=${encodeURIComponent(secrets.token)}`);
      ws.on('open', () => {
        ws.send(body.subarray(0, 1000));
        ws.send(body.subarray(1000));
        ws.close(1000);
      });
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    await sink.settle(2000);
    assert.equal(sink.receipts().length, before + 1);
    assert.equal(lastReceipt()?.ciphertext_verified, true);
  });
  test('wrong token is refused before the handshake', async () => {
    const r = await rawExchange(sink.ports.http, `GET /ws/${V} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Purple-Token: nope\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 401/);
  });
  const handshake = (): string =>
    `GET /ws/${V} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Purple-Token: ${secrets.token}\r\n\r\n`;
  const frames: Array<[string, Buffer]> = [
    ['unmasked client frame', Buffer.from([0x82, 0x03, 1, 2, 3])],
    ['reserved opcode', Buffer.from([0x83, 0x80, 0, 0, 0, 0])],
    ['RSV bits set', Buffer.from([0xf2, 0x80, 0, 0, 0, 0])],
    ['continuation without start', Buffer.from([0x80, 0x81, 0, 0, 0, 0, 7])],
    ['64-bit length over the limit', Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x7f, 0, 0, 0, 0, 0, 0, 0])],
  ];
  for (const [name, frame] of frames) {
    test(`malformed frame (${name}) closes the connection, nothing recorded, sink lives on`, async () => {
      const before = sink.receipts().length;
      const malformed = sink.stats().malformed + sink.stats().limited;
      const r = await rawExchange(sink.ports.http, Buffer.concat([Buffer.from(handshake(), 'latin1'), frame]));
      assert.match(r.text, /^HTTP\/1\.1 101/);
      assert.equal(r.closed, true);
      await sink.settle(2000);
      assert.equal(sink.receipts().length, before);
      assert.ok(sink.stats().malformed + sink.stats().limited > malformed);
      const ok = await curl(['-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${enc}`, uploadUrl(sink.endpoints, V)]);
      assert.equal(ok.code, 200);
    });
  }
});

describe('raw TCP uploads', () => {
  test('PURPLE header then body until EOF is recorded and verified', async () => {
    const before = sink.receipts().length;
    const body = readFileSync(enc);
    const r = await rawExchange(sink.ports.tcp, Buffer.concat([Buffer.from(`PURPLE ${secrets.token} ${V}\n`), body]), { endAfterWrite: true });
    assert.match(r.text, /^OK [0-9a-f]{64}\n$/);
    assert.equal(sink.receipts().length, before + 1);
    const rec = lastReceipt();
    assert.equal(rec?.protocol, 'tcp');
    assert.equal(rec?.bytes, body.length);
    assert.equal(rec?.ciphertext_verified, true);
  });
  const bad: Array<[string, string, RegExp]> = [
    ['wrong token', `PURPLE nope ${V}\nxxxx`, /^ERR wrong token/],
    ['no header', 'hello\nxxxx', /^ERR expected/],
    ['unknown variant', `PURPLE ${secrets.token} sc/none\nxxxx`, /^ERR unknown variant/],
    ['header without newline, too long', 'P'.repeat(2000), /^ERR header line too long/],
  ];
  for (const [name, data, expect] of bad) {
    test(`${name} is refused and not recorded`, async () => {
      const before = sink.receipts().length;
      const r = await rawExchange(sink.ports.tcp, data, { endAfterWrite: true });
      assert.match(r.text, expect);
      assert.equal(sink.receipts().length, before);
    });
  }
  test('a TCP body over the limit is refused', async () => {
    const before = sink.receipts().length;
    const r = await rawExchange(sink.ports.tcp, Buffer.concat([Buffer.from(`PURPLE ${secrets.token} ${V}\n`), Buffer.alloc(150_000, 2)]), { endAfterWrite: true });
    assert.match(r.text, /^ERR body too large/);
    assert.equal(sink.receipts().length, before);
  });
});

describe('connection limit', () => {
  test('connections past maxConnections are closed at once; the sink serves again when they go', async () => {
    const small = await startSink({ runId: RUN, secrets, cipherFor: (id) => ciphers.get(id), limits: { maxConnections: 2, idleTimeoutMs: 60_000 } });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = connect(small.ports.http, '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r));
        held.push(s);
      }
      // Give the server a moment to count both before the third arrives (order, not timing, is asserted).
      await new Promise((r) => setTimeout(r, 100));
      const third = await rawExchange(small.ports.http, `POST /upload/${V} HTTP/1.1\r\nHost: x\r\nX-Purple-Token: ${secrets.token}\r\nContent-Length: 1\r\n\r\nx`);
      assert.equal(third.closed, true);
      assert.equal(third.text, '');
      for (const s of held) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const ok = await curl(['-H', `X-Purple-Token: ${secrets.token}`, '--data-binary', `@${enc}`, uploadUrl(small.endpoints, V)]);
      assert.equal(ok.code, 200);
    } finally {
      for (const s of held) s.destroy();
      await small.stop();
    }
  });
});

describe('sink binding', () => {
  test('refuses a non-loopback address', async () => {
    await assert.rejects(() => startSink({ runId: RUN, secrets, cipherFor: () => 'none', host: '0.0.0.0' }), /loopback only/);
  });
});
