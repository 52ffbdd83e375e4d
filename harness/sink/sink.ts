// The benign upload sink: the only destination an emulation sends to. HTTP (POST/PUT, raw or
// multipart), WebSocket and raw TCP listeners on loopback, random ports, one per-run token, hard
// limits everywhere. Every accepted upload becomes a SinkReceipt with its verification result.

import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { PurpleError, type SinkReceipt } from '../../src/model/index.js';
import type { RunSecrets, SinkEndpoints } from '../types.js';
import { firstFilePart, multipartBoundary, parseMultipart } from './multipart.js';
import { tokenFromHeaders, tokensEqual } from './token.js';
import { verifyUpload } from './verify-upload.js';

export interface SinkLimits {
  maxBodyBytes: number;
  maxHeaderBytes: number;
  /** Per listener. */
  maxConnections: number;
  /** A connection that sends nothing for this long is closed. */
  idleTimeoutMs: number;
  /** A whole upload (HTTP request, WebSocket connection, TCP stream) must arrive within this. */
  requestTimeoutMs: number;
  /** Upload bytes held in memory across every connection at once; past it new data is refused (503). */
  maxBufferedBytes: number;
}

export const DEFAULT_SINK_LIMITS: SinkLimits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxConnections: 512,
  idleTimeoutMs: 15_000,
  requestTimeoutMs: 60_000,
  maxBufferedBytes: 256 * 1024 * 1024,
};

export interface SinkOptions {
  runId: string;
  secrets: RunSecrets;
  /** The cipher a variant declared; uploads naming an unknown variant are refused. */
  cipherFor(variantId: string): string | undefined;
  /** Default 127.0.0.1. Anything but a loopback address needs allowNonLoopback (netns sink). */
  host?: string;
  allowNonLoopback?: boolean;
  limits?: Partial<SinkLimits>;
  /** PEM key and certificate: starts the TLS listener (HTTP over TLS, for openssl s_client). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  onReceipt?(r: SinkReceipt): void;
  now?(): number;
}

export interface SinkStats {
  accepted: number;
  /** Wrong or missing token, unknown variant, bad path or method. */
  rejected: number;
  /** Over a limit (body, header, idle, upload time, memory budget). */
  limited: number;
  /** Malformed requests or frames. */
  malformed: number;
}

export interface Sink {
  endpoints: SinkEndpoints;
  ports: { http: number; tcp: number; tls?: number };
  receipts(): SinkReceipt[];
  receiptsFor(variantId: string): SinkReceipt[];
  stats(): SinkStats;
  /** Resolves when no upload is in flight (or after timeoutMs): WebSocket receipts land on close. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function parseVariantPath(url: string | undefined, prefix: '/upload/' | '/ws/'): { variantId: string; query: URLSearchParams } | undefined {
  if (!url || url.length > 2048) return undefined;
  let u: URL;
  try {
    u = new URL(url, 'http://sink.invalid');
  } catch {
    return undefined;
  }
  if (!u.pathname.startsWith(prefix)) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(u.pathname.slice(prefix.length));
  } catch {
    return undefined;
  }
  if (!id || id.length > 300 || /[\0-\x1f]/.test(id)) return undefined;
  return { variantId: id, query: u.searchParams };
}

export async function startSink(opts: SinkOptions): Promise<Sink> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.allowNonLoopback) {
    throw new PurpleError('BAD_INPUT', `the sink may listen on loopback only, not ${host}`, { hint: 'leave the sink host at 127.0.0.1' });
  }
  const limits: SinkLimits = { ...DEFAULT_SINK_LIMITS, ...(opts.limits ?? {}) };
  const now = opts.now ?? Date.now;
  const all: SinkReceipt[] = [];
  const stats: SinkStats = { accepted: 0, rejected: 0, limited: 0, malformed: 0 };
  let inFlight = 0;
  let settleWaiters: Array<() => void> = [];
  const begin = (): (() => void) => {
    inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      inFlight--;
      if (inFlight === 0) {
        const w = settleWaiters;
        settleWaiters = [];
        w.forEach((f) => f());
      }
    };
  };

  // Every connection may hold up to maxBodyBytes; this caps what all of them hold together, so a
  // flood of large uploads cannot exhaust memory.
  let buffered = 0;
  const reserve = (): { add(n: number): boolean; release(): void } => {
    let mine = 0;
    return {
      add(n) {
        if (buffered + n > limits.maxBufferedBytes) return false;
        buffered += n;
        mine += n;
        return true;
      },
      release() {
        buffered -= mine;
        mine = 0;
      },
    };
  };

  const record = (body: Buffer, protocol: SinkReceipt['protocol'], peer: string, variantId: string, extraNote?: string): SinkReceipt => {
    const cipher = opts.cipherFor(variantId) ?? 'none';
    const v = verifyUpload(body, cipher, opts.secrets, opts.runId);
    const notes = [extraNote, v.note, v.canaryVariant !== undefined && v.canaryVariant !== variantId ? `canary names variant ${v.canaryVariant}` : undefined].filter(
      (x): x is string => !!x,
    );
    const r: SinkReceipt = {
      time_ms: now(),
      protocol,
      peer,
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      variant_id: variantId,
      ciphertext_verified: v.ciphertext_verified,
      plaintext: v.plaintext,
    };
    if (notes.length) r.note = notes.join('; ');
    all.push(r);
    stats.accepted++;
    opts.onReceipt?.(r);
    return r;
  };

  const peerOf = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string => `${s.remoteAddress ?? '?'}:${s.remotePort ?? 0}`;

  // ---- HTTP (and HTTP over TLS) ------------------------------------------------------------
  const reply = (res: ServerResponse, status: number, body: unknown, close = false): void => {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
    res.end(text);
  };

  const onRequest = (tlsNote: string | undefined) => (req: IncomingMessage, res: ServerResponse): void => {
    const done = begin();
    res.on('close', done);
    const refuse = (status: number, error: string): void => {
      stats.rejected++;
      reply(res, status, { ok: false, error }, true);
      req.resume();
    };
    const target = parseVariantPath(req.url, '/upload/');
    if (!target) return refuse(404, 'path must be /upload/<variant-id>');
    if (req.method !== 'POST' && req.method !== 'PUT') {
      res.setHeader('allow', 'POST, PUT');
      return refuse(405, 'use POST or PUT');
    }
    if (!tokensEqual(tokenFromHeaders(req.headers), opts.secrets.token)) return refuse(401, 'missing or wrong token');
    if (opts.cipherFor(target.variantId) === undefined) return refuse(404, 'unknown variant');
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limits.maxBodyBytes) {
      stats.limited++;
      reply(res, 413, { ok: false, error: `body over ${limits.maxBodyBytes} bytes` }, true);
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const held = reserve();
    res.on('close', () => held.release());
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limits.maxBodyBytes) {
        over = true;
        stats.limited++;
        reply(res, 413, { ok: false, error: `body over ${limits.maxBodyBytes} bytes` }, true);
        req.destroy();
        return;
      }
      if (!held.add(c.length)) {
        over = true;
        stats.limited++;
        reply(res, 503, { ok: false, error: 'the sink holds too many uploads at once; retry' }, true);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => done());
    req.on('end', () => {
      if (over) return;
      let body: Buffer = Buffer.concat(chunks, size);
      const boundary = multipartBoundary(req.headers['content-type']);
      if (boundary !== undefined) {
        try {
          const part = firstFilePart(parseMultipart(body, boundary));
          if (!part) throw new Error('no part in the multipart body');
          body = part.body;
        } catch (e) {
          stats.malformed++;
          reply(res, 400, { ok: false, error: `malformed multipart body: ${(e as Error).message}` }, true);
          return;
        }
      }
      const r = record(body, 'http', peerOf(req.socket), target.variantId, tlsNote);
      reply(res, 200, { ok: true, bytes: r.bytes, sha256: r.sha256, ciphertext_verified: r.ciphertext_verified });
    });
  };

  const onClientError = (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (err.code === 'HPE_HEADER_OVERFLOW') stats.limited++;
    else stats.malformed++;
    if (!socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  // ---- WebSocket ---------------------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxBodyBytes, perMessageDeflate: false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    const deny = (status: string): void => {
      stats.rejected++;
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const target = parseVariantPath(req.url, '/ws/');
    if (!target) return deny('404 Not Found');
    const token = tokenFromHeaders(req.headers) ?? target.query.get('token') ?? undefined;
    if (!tokensEqual(token, opts.secrets.token)) return deny('401 Unauthorized');
    if (opts.cipherFor(target.variantId) === undefined) return deny('404 Not Found');
    const done = begin();
    try {
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let failed = false;
        let idle: NodeJS.Timeout | undefined;
        const held = reserve();
        // Small messages just inside the idle time must not keep a connection forever.
        const lifetime = setTimeout(() => {
          stats.limited++;
          failed = true;
          ws.terminate();
        }, limits.requestTimeoutMs);
        const touch = (): void => {
          if (idle) clearTimeout(idle);
          idle = setTimeout(() => {
            stats.limited++;
            failed = true;
            ws.terminate();
          }, limits.idleTimeoutMs);
        };
        touch();
        ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          touch();
          const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
          size += buf.length;
          if (size > limits.maxBodyBytes) {
            stats.limited++;
            failed = true;
            ws.close(1009, 'body too large');
            return;
          }
          if (!held.add(buf.length)) {
            stats.limited++;
            failed = true;
            ws.close(1013, 'sink busy, retry');
            return;
          }
          chunks.push(buf);
        });
        ws.on('error', () => {
          // Invalid frames: ws closes the connection itself; count it, never throw.
          stats.malformed++;
          failed = true;
        });
        ws.on('close', () => {
          if (idle) clearTimeout(idle);
          clearTimeout(lifetime);
          if (!failed && size > 0) record(Buffer.concat(chunks, size), 'websocket', peerOf(socket as Socket), target.variantId);
          chunks.length = 0;
          held.release();
          done();
        });
      });
    } catch {
      stats.malformed++;
      socket.destroy();
      done();
    }
  };

  const configureHttp = (s: HttpServer): void => {
    s.maxConnections = limits.maxConnections;
    s.headersTimeout = Math.min(limits.requestTimeoutMs, 10_000 + limits.idleTimeoutMs);
    s.requestTimeout = limits.requestTimeoutMs;
    s.keepAliveTimeout = Math.min(5_000, limits.idleTimeoutMs);
    s.setTimeout(limits.idleTimeoutMs, (sock) => {
      stats.limited++;
      sock.destroy();
    });
    s.on('clientError', onClientError);
    s.on('upgrade', onUpgrade);
  };

  // Node checks headersTimeout/requestTimeout on this interval (default 30 s): check often enough
  // that a client dribbling its headers or body is cut off close to the limit.
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(limits.requestTimeoutMs / 4)));
  const http = createHttpServer({ maxHeaderSize: limits.maxHeaderBytes, connectionsCheckingInterval }, onRequest(undefined));
  configureHttp(http);

  // ---- raw TCP -----------------------------------------------------------------------------
  const tcpSockets = new Set<Socket>();
  const tcp: TcpServer = createTcpServer({ allowHalfOpen: true }, (sock) => {
    const done = begin();
    tcpSockets.add(sock);
    sock.on('close', () => tcpSockets.delete(sock));
    sock.setTimeout(limits.idleTimeoutMs, () => {
      stats.limited++;
      sock.destroy();
    });
    // Bytes dribbled just inside the idle time must not keep a connection forever.
    const lifetime = setTimeout(() => {
      stats.limited++;
      variantId = undefined;
      sock.destroy();
    }, limits.requestTimeoutMs);
    const held = reserve();
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(lifetime);
      chunks.length = 0;
      held.release();
      done();
    });
    let head = Buffer.alloc(0);
    let variantId: string | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (msg: string, kind: 'rejected' | 'malformed' | 'limited'): void => {
      stats[kind]++;
      variantId = undefined;
      sock.removeAllListeners('data');
      sock.end(`ERR ${msg}\n`);
    };
    sock.on('data', (chunk: Buffer) => {
      let c: Buffer = chunk;
      if (variantId === undefined) {
        head = Buffer.concat([head, c]);
        const nl = head.indexOf(0x0a);
        if (nl < 0) {
          if (head.length > 1024) fail('header line too long', 'malformed');
          return;
        }
        const m = /^PURPLE (\S{1,256}) (\S{1,300})\r?$/.exec(head.subarray(0, nl).toString('latin1'));
        if (!m) return fail('expected "PURPLE <token> <variant-id>"', 'malformed');
        if (!tokensEqual(m[1], opts.secrets.token)) return fail('wrong token', 'rejected');
        if (opts.cipherFor(m[2] ?? '') === undefined) return fail('unknown variant', 'rejected');
        variantId = m[2] ?? '';
        c = head.subarray(nl + 1);
      }
      size += c.length;
      if (size > limits.maxBodyBytes) return fail('body too large', 'limited');
      if (!held.add(c.length)) return fail('sink busy, retry', 'limited');
      chunks.push(c);
    });
    sock.on('end', () => {
      if (variantId === undefined) {
        if (!sock.writableEnded) sock.end();
        return;
      }
      const r = record(Buffer.concat(chunks, size), 'tcp', peerOf(sock), variantId);
      sock.end(`OK ${r.sha256}\n`);
    });
  });
  tcp.maxConnections = limits.maxConnections;

  // ---- TLS (optional) ----------------------------------------------------------------------
  let tls: HttpServer | undefined;
  if (opts.tls) {
    const s = createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert, maxHeaderSize: limits.maxHeaderBytes, connectionsCheckingInterval }, onRequest('over TLS'));
    configureHttp(s);
    s.on('tlsClientError', () => void stats.malformed++);
    tls = s;
  }

  const listen = (s: HttpServer | TcpServer): Promise<number> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, host, () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        resolve((s.address() as AddressInfo).port);
      });
    });
  const close = (s: HttpServer | TcpServer): Promise<void> =>
    new Promise((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      if ('closeAllConnections' in s) s.closeAllConnections();
    });

  let httpPort: number;
  let tcpPort: number;
  let tlsPort: number | undefined;
  try {
    httpPort = await listen(http);
    tcpPort = await listen(tcp);
    if (tls) tlsPort = await listen(tls);
  } catch (e) {
    await Promise.all([close(http), close(tcp), ...(tls ? [close(tls)] : [])]);
    throw new PurpleError('ENVIRONMENT', `the upload sink could not listen on ${host}: ${(e as Error).message}`, { hint: 'check that the loopback interface is up' });
  }

  const h = host.includes(':') ? `[${host}]` : host;
  const endpoints: SinkEndpoints = {
    httpBase: `http://${h}:${httpPort}`,
    wsBase: `ws://${h}:${httpPort}`,
    tcp: `${h}:${tcpPort}`,
    listeners: ['http', 'websocket', 'tcp', ...(tlsPort !== undefined ? (['tls'] as const) : [])],
  };
  if (tlsPort !== undefined) endpoints.tls = `${h}:${tlsPort}`;
  const ports: Sink['ports'] = { http: httpPort, tcp: tcpPort };
  if (tlsPort !== undefined) ports.tls = tlsPort;

  let stopped = false;
  return {
    endpoints,
    ports,
    receipts: () => [...all],
    receiptsFor: (id) => all.filter((r) => r.variant_id === id),
    stats: () => ({ ...stats }),
    settle(timeoutMs = 2000) {
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        settleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of wss.clients) c.terminate();
      wss.close();
      // A raw TCP server's open sockets do not close with it.
      for (const s of tcpSockets) s.destroy();
      await Promise.all([close(http), close(tcp), ...(tls ? [close(tls)] : [])]);
    },
  };
}

/** `http://127.0.0.1:<port>/upload/<variant-id>` for a variant (the id is URL-encoded per segment). */
export function uploadUrl(endpoints: SinkEndpoints, variantId: string): string {
  return `${endpoints.httpBase}/upload/${encodeVariantPath(variantId)}`;
}

export function websocketUrl(endpoints: SinkEndpoints, variantId: string): string {
  return `${endpoints.wsBase}/ws/${encodeVariantPath(variantId)}`;
}

function encodeVariantPath(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}
