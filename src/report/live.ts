// Live view of a run: a loopback HTTP server with one self-contained page that streams events,
// alerts and verdicts over WebSocket. The server keeps the whole message log with sequence
// numbers, so a client that reconnects (or a reloaded page) asks for everything after the last
// sequence it has and catches up without gaps.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { PurpleError, type Alert, type Coverage, type TelemetryEvent, type Verdict } from '../model/index.js';
import { LIVE_PAGE } from './live-page.js';

export type LiveMessage =
  | { type: 'event'; event: TelemetryEvent }
  | { type: 'alert'; alert: Alert }
  | { type: 'verdict'; verdict: Verdict }
  | { type: 'status'; text: string; variant_id?: string }
  | { type: 'done'; coverage: Coverage; exit_code: number };

export interface LiveFrame {
  seq: number;
  /** ISO time the server published the message. */
  time: string;
  msg: LiveMessage;
}

export interface LiveServer {
  url: string;
  publish(msg: LiveMessage): LiveFrame;
  /** Number of connected clients (for tests and the CLI's status line). */
  clients(): number;
  close(): Promise<void>;
}

export interface LiveServerOptions {
  host?: string;
  port?: number;
  /** Oldest frames are dropped past this; a client that needs them is told how many it missed. */
  maxLog?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startLiveServer(opts: LiveServerOptions = {}): Promise<LiveServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new PurpleError('BAD_INPUT', `the live view binds to loopback only, not ${host}`, { hint: 'use 127.0.0.1 (the default); forward the port over SSH to watch from another machine' });
  }
  const maxLog = opts.maxLog ?? 200_000;
  const log: LiveFrame[] = [];
  let seq = 0;
  let port = 0;

  // Refuse requests that name another host: a page on the internet could otherwise reach this
  // server through DNS rebinding.
  const hostAllowed = (h: string | undefined): boolean => {
    if (!h) return false;
    const name = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.split(':')[0];
    return name !== undefined && LOOPBACK.has(name);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'",
      });
      res.end(LIVE_PAGE);
      return;
    }
    if (req.method === 'GET' && path === '/log.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(log));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });

  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: 64 * 1024,
    verifyClient: (info: { origin: string; req: IncomingMessage }) => {
      if (!hostAllowed(info.req.headers.host)) return false;
      if (!info.origin || info.origin === 'null') return true;
      try {
        return LOOPBACK.has(new URL(info.origin).hostname.replace(/^\[|\]$/g, ''));
      } catch {
        return false;
      }
    },
  });
  const subscribed = new Set<WebSocket>();

  const send = (ws: WebSocket, data: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(data));
  };

  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      let hello: { type?: string; last_seq?: unknown };
      try {
        hello = JSON.parse(String(raw)) as typeof hello;
      } catch {
        return;
      }
      if (hello.type !== 'hello') return;
      const last = typeof hello.last_seq === 'number' && Number.isFinite(hello.last_seq) ? hello.last_seq : 0;
      const first = log[0]?.seq ?? seq + 1;
      const missed = Math.max(0, first - last - 1);
      send(ws, { type: 'catchup', frames: log.filter((f) => f.seq > last), dropped: missed, head: seq });
      subscribed.add(ws);
    });
    ws.on('close', () => subscribed.delete(ws));
    ws.on('error', () => subscribed.delete(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host === '::1' ? '[::1]' : host;

  return {
    url: `http://${urlHost}:${port}/`,
    publish(msg) {
      const frame: LiveFrame = { seq: ++seq, time: new Date().toISOString(), msg };
      log.push(frame);
      if (log.length > maxLog) log.splice(0, log.length - maxLog);
      for (const ws of subscribed) send(ws, { type: 'frame', frame });
      return frame;
    },
    clients: () => subscribed.size,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
