import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startLiveServer, type LiveFrame } from '../../src/report/index.js';
import { loadFixture } from './helpers.js';

interface Catchup { type: 'catchup'; frames: LiveFrame[]; dropped: number }

/** Connects, says hello with lastSeq, and collects what arrives. */
function client(url: string, lastSeq: number) {
  const ws = new WebSocket(url.replace('http', 'ws') + 'ws');
  const received: Array<Catchup | { type: 'frame'; frame: LiveFrame }> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    received.push(JSON.parse(String(d)));
    waiters.splice(0).forEach((w) => w());
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'hello', last_seq: lastSeq }));
      resolve();
    });
    ws.once('error', reject);
  });
  const until = async (n: number) => {
    while (received.length < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { ws, received, opened, until };
}

function get(url: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('live view server', () => {
  test('refuses to bind anywhere but loopback', async () => {
    await assert.rejects(startLiveServer({ host: '0.0.0.0', port: 0 }), /loopback only/);
  });

  test('serves the page on 127.0.0.1 and refuses foreign Host headers', async (t) => {
    const live = await startLiveServer({ host: '127.0.0.1', port: 0 });
    t.after(() => live.close());
    assert.match(live.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(live.url);
    assert.equal(page.status, 200);
    assert.match(page.body, /purple-harness live/);
    assert.equal((await get(live.url, 'evil.example:80')).status, 403);
  });

  test('streams published frames and catches a reconnecting client up from its last seq', async (t) => {
    const live = await startLiveServer({ host: '127.0.0.1', port: 0 });
    t.after(() => live.close());
    const r = loadFixture('run-a');
    live.publish({ type: 'status', text: 'starting' });
    live.publish({ type: 'event', event: r.events[0]! });

    const first = client(live.url, 0);
    await first.opened;
    await first.until(1);
    const catchup = first.received[0] as Catchup;
    assert.equal(catchup.type, 'catchup');
    assert.deepEqual(catchup.frames.map((f) => f.seq), [1, 2]);

    live.publish({ type: 'alert', alert: r.alerts[0]! });
    await first.until(2);
    const pushed = first.received[1] as { type: 'frame'; frame: LiveFrame };
    assert.equal(pushed.frame.seq, 3);
    assert.equal(pushed.frame.msg.type, 'alert');
    first.ws.close();

    live.publish({ type: 'verdict', verdict: r.verdicts[0]! });
    const again = client(live.url, 3);
    await again.opened;
    await again.until(1);
    assert.deepEqual((again.received[0] as Catchup).frames.map((f) => [f.seq, f.msg.type]), [[4, 'verdict']]);
    again.ws.close();
  });

  test('a bounded log tells a late client how much it missed', async (t) => {
    const live = await startLiveServer({ host: '127.0.0.1', port: 0, maxLog: 2 });
    t.after(() => live.close());
    for (let i = 0; i < 5; i++) live.publish({ type: 'status', text: `s${i}` });
    const c = client(live.url, 0);
    await c.opened;
    await c.until(1);
    const cu = c.received[0] as Catchup;
    assert.deepEqual(cu.frames.map((f) => f.seq), [4, 5]);
    assert.equal(cu.dropped, 3);
    c.ws.close();
  });
});
