// A minimal stand-in for the harness sink, speaking the emulation contract's protocols (HTTP
// raw/multipart, WebSocket, raw TCP, optional HTTPS), so emulation scripts can be tested alone.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface Upload {
  protocol: 'http' | 'https' | 'websocket' | 'tcp';
  method?: string;
  variantId: string;
  body: Buffer;
  tokenVia: string;
}

export interface TinySink {
  httpPort: number;
  tcpPort: number;
  tlsPort?: number;
  token: string;
  uploads: Upload[];
  rejected: string[];
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The first part with a filename of a multipart/form-data body. */
export function firstMultipartFile(body: Buffer, contentType: string): Buffer | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos !== -1) {
    const headStart = pos + delim.length + 2;
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    if (headEnd === -1) return undefined;
    const head = body.subarray(headStart, headEnd).toString('latin1');
    const next = body.indexOf(delim, headEnd);
    if (next === -1) return undefined;
    if (/filename=/i.test(head)) return body.subarray(headEnd + 4, next - 2);
    pos = next;
  }
  return undefined;
}

function tokenOf(headers: IncomingMessage['headers'], url: URL): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return `bearer:${auth.slice(7)}`;
  const x = headers['x-purple-token'];
  if (typeof x === 'string') return `header:${x}`;
  const q = url.searchParams.get('token');
  return q ? `query:${q}` : undefined;
}

export async function startTinySink(opts: { token: string; tls?: { key: string; cert: string } }): Promise<TinySink> {
  const uploads: Upload[] = [];
  const rejected: string[] = [];
  const check = (via: string | undefined): via is string => via !== undefined && via.slice(via.indexOf(':') + 1) === opts.token;

  const onRequest = (protocol: 'http' | 'https') => async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readAll(req);
    const via = tokenOf(req.headers, url);
    if (!url.pathname.startsWith('/upload/') || !['POST', 'PUT'].includes(req.method ?? '') || !check(via)) {
      rejected.push(`${req.method} ${url.pathname} token=${via ?? 'none'}`);
      res.writeHead(url.pathname.startsWith('/upload/') ? 401 : 404).end();
      return;
    }
    const ct = req.headers['content-type'] ?? '';
    const payload = ct.startsWith('multipart/form-data') ? firstMultipartFile(body, ct) : body;
    uploads.push({ protocol, method: req.method ?? '', variantId: decodeURIComponent(url.pathname.slice('/upload/'.length)), body: payload ?? Buffer.alloc(0), tokenVia: via });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  };

  const http: Server = createServer((req, res) => void onRequest('http')(req, res));
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const via = tokenOf(req.headers, url);
    if (!url.pathname.startsWith('/ws/') || !check(via)) {
      rejected.push(`WS ${url.pathname} token=${via ?? 'none'}`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const parts: Buffer[] = [];
      ws.on('message', (data, isBinary) => {
        if (isBinary) parts.push(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
      });
      ws.on('close', () => uploads.push({ protocol: 'websocket', variantId: decodeURIComponent(url.pathname.slice(4)), body: Buffer.concat(parts), tokenVia: via }));
    });
  });

  const tcp: TcpServer = createTcpServer((sock: Socket) => {
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => {
      const all = Buffer.concat(chunks);
      const nl = all.indexOf(0x0a);
      const [magic, token, variantId] = all.subarray(0, Math.max(nl, 0)).toString('utf8').split(' ');
      if (nl === -1 || magic !== 'PURPLE' || token !== opts.token) rejected.push(`TCP bad preamble`);
      else uploads.push({ protocol: 'tcp', variantId: variantId ?? '', body: all.subarray(nl + 1), tokenVia: 'preamble' });
      sock.end('ok\n');
    });
    sock.on('error', () => undefined);
  });

  let https: HttpsServer | undefined;
  if (opts.tls) https = createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => void onRequest('https')(req, res));

  const listen = (s: Server | TcpServer | HttpsServer): Promise<number> =>
    new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const httpPort = await listen(http);
  const tcpPort = await listen(tcp);
  const tlsPort = https ? await listen(https) : undefined;
  const closeServer = (s: { close(cb: () => void): unknown; closeAllConnections?: () => void }): Promise<void> =>
    new Promise((resolve) => {
      s.closeAllConnections?.();
      s.close(() => resolve());
    });

  return {
    httpPort,
    tcpPort,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    token: opts.token,
    uploads,
    rejected,
    async close() {
      wss.clients.forEach((c) => c.terminate());
      wss.close();
      await Promise.all([closeServer(http), closeServer(tcp), ...(https ? [closeServer(https)] : [])]);
    },
  };
}
