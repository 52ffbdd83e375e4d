// The webhook receiver a SOAR or SIEM pushes alerts to during the run window: 127.0.0.1 by
// default, a per-run token (in the path, /alerts/<token>, for tools that only take a URL, or as
// `Authorization: Bearer <token>`), optional TLS from a certificate and key file, size limits.
// Answers: 202 accepted, 400 unreadable body (the located reason), 401 token, 404 path,
// 405 method, 413 too large, 429 too many alerts.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PurpleError, isPurpleError, type ControlAlert } from '../../model/index.js';
import { readAlerts } from './read-alerts.js';
import type { ControlSession, OpenContext } from './sources.js';
import type { ControlSpec } from './spec.js';

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_MAX_ALERTS = 10_000;

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function positiveInt(v: string | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new PurpleError('BAD_INPUT', `webhook ${what}=${v} is not a whole number`, { hint: `e.g. ${what}=${fallback}` });
  return n;
}

export async function openWebhook(spec: ControlSpec, ctx: OpenContext): Promise<ControlSession> {
  const bind = spec.options['bind'] ?? '127.0.0.1';
  const port = positiveInt(spec.options['port'], 0, 'port');
  const maxBody = positiveInt(spec.options['max-body'], DEFAULT_MAX_BODY, 'max-body');
  const maxAlerts = positiveInt(spec.options['max-alerts'], DEFAULT_MAX_ALERTS, 'max-alerts');
  const format = spec.options['format'] ?? 'auto';
  const certFile = spec.options['tls-cert'];
  const keyFile = spec.options['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new PurpleError('BAD_INPUT', `--control ${spec.text}: TLS needs both tls-cert= and tls-key=`, { hint: 'PEM files of the certificate and its private key' });
  const token = randomBytes(24).toString('hex');
  const alerts: ControlAlert[] = [];
  const raw: unknown[] = [];
  const warnings: string[] = [];
  const ids = new Set<string>();
  let bodies = 0;

  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body) + '\n');
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://receiver.invalid');
    const m = /^\/alerts(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) return answer(res, 404, { error: 'POST alerts to /alerts/<token> (or /alerts with Authorization: Bearer <token>)' });
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const given = m[1] ?? bearer ?? '';
    if (!sameToken(given, token)) return answer(res, 401, { error: 'missing or wrong token' });
    if (req.method !== 'POST' && req.method !== 'PUT') return answer(res, 405, { error: 'POST or PUT alerts' });
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > maxBody) {
      answer(res, 413, { error: `body larger than ${maxBody} bytes` });
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) {
        tooBig = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) return answer(res, 413, { error: `body larger than ${maxBody} bytes` });
      const n = ++bodies;
      const origin = `webhook ${spec.name} body #${n}`;
      try {
        const csv = /text\/csv/i.test(req.headers['content-type'] ?? '');
        const got = readAlerts(Buffer.concat(chunks).toString('utf8'), { control: spec.name, format, origin, csv });
        if (alerts.length + got.alerts.length > maxAlerts) {
          warnings.push(`${origin}: refused, more than ${maxAlerts} alerts in all`);
          return answer(res, 429, { error: `more than ${maxAlerts} alerts received in this run` });
        }
        // A SOAR that retries a delivery sends the same alerts again: each id counts once.
        const fresh = got.alerts.filter((a) => !ids.has(a.id));
        for (const a of fresh) ids.add(a.id);
        alerts.push(...fresh);
        raw.push(...got.raw);
        warnings.push(...got.warnings);
        answer(res, 202, { accepted: fresh.length, duplicates: got.alerts.length - fresh.length, skipped: got.warnings.length });
      } catch (e) {
        const msg = isPurpleError(e) ? e.format() : (e as Error).message;
        warnings.push(msg);
        answer(res, 400, { error: msg });
      }
    });
  };

  let server: Server;
  try {
    server = certFile && keyFile ? createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handle) : createHttpServer(handle);
  } catch (e) {
    throw new PurpleError('BAD_INPUT', `--control ${spec.text}: cannot use the TLS files: ${(e as Error).message}`, { hint: 'PEM certificate and key files readable by purple' });
  }
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new PurpleError('ENVIRONMENT', `webhook ${spec.name}: cannot listen on ${bind}:${port}: ${e.code ?? e.message}`, { hint: 'pick another port= (0 takes a free one)' })),
    );
    server.listen(port, bind, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const base = `${certFile ? 'https' : 'http'}://${host}:${addr.port}/alerts`;
  const fullUrl = `${base}/${token}`;
  if (spec.options['url-file']) writeFileSync(spec.options['url-file'], fullUrl + '\n', { mode: 0o600 });
  ctx.log?.(`control ${spec.name}: push alerts to ${base}/<token> (the token is ${spec.options['url-file'] ? `in ${spec.options['url-file']}` : 'printed once below'})`);
  if (!spec.options['url-file']) ctx.log?.(`  ${fullUrl}`);

  return {
    spec,
    kind: 'webhook',
    format,
    target: base,
    live: true,
    secrets: [token],
    instructions: fullUrl,
    async fetch() {
      return { alerts: [...alerts], raw: [...raw], warnings: [...warnings], requests: bodies };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
