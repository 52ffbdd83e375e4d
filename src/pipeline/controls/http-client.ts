// The pull sources' HTTP: one request helper with a timeout, an optional CA file, a body limit, and
// the vendors' rate limiting (429 with Retry-After, 503) retried a bounded number of times.

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PurpleError } from '../../model/index.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpOptions {
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** A PEM CA bundle for a private CA (https). */
  caFile?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export function sendRequest(url: string, opts: HttpOptions): Promise<HttpResponse> {
  const u = new URL(url);
  const ca = opts.caFile ? readFileSync(opts.caFile) : undefined;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      {
        method: opts.method,
        headers: { ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) },
        timeout: opts.timeoutMs ?? 30_000,
        ...(ca ? { ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Seconds or an HTTP date → milliseconds to wait (bounded). */
export function retryAfterMs(header: string | string[] | undefined, fallbackMs: number, maxMs = 60_000): number {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return fallbackMs;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(maxMs, secs * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.min(maxMs, Math.max(0, at - Date.now())) : fallbackMs;
}

export interface RequestLog {
  requests: number;
  warnings: string[];
}

/**
 * A request that waits out 429/503 (Retry-After, else a doubling pause) up to `retries` times.
 * Any other status is returned to the caller, who knows the vendor's errors.
 */
export async function requestWithRetry(url: string, opts: HttpOptions, log: RequestLog, retries = 5, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<HttpResponse> {
  let pause = 1000;
  for (let attempt = 0; ; attempt++) {
    log.requests++;
    let res: HttpResponse;
    try {
      res = await sendRequest(url, opts);
    } catch (e) {
      throw new PurpleError('ENVIRONMENT', `${opts.method} ${redactUrl(url)}: ${(e as Error).message}`, { hint: 'check the URL, the network path to it, and ca= for a private CA' });
    }
    if ((res.status === 429 || res.status === 503) && attempt < retries) {
      const wait = retryAfterMs(res.headers['retry-after'], pause);
      log.warnings.push(`${redactUrl(url)}: ${res.status} ${res.status === 429 ? 'rate limited' : 'unavailable'}; retried after ${wait} ms`);
      await sleep(wait);
      pause = Math.min(pause * 2, 30_000);
      continue;
    }
    return res;
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A URL for messages and reports: no query (tokens hide there), no userinfo. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<url>';
  }
}

/** The vendor's error text, shortened, for a located message. */
export function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const e = j['error'];
    if (e && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      return String(o['reason'] ?? o['type'] ?? JSON.stringify(e)).slice(0, 300);
    }
    if (typeof e === 'string') return e.slice(0, 300);
    const msgs = j['messages'];
    if (Array.isArray(msgs)) return msgs.map((m) => String((m as Record<string, unknown>)['text'] ?? '')).join('; ').slice(0, 300);
    if (typeof j['message'] === 'string') return j['message'].slice(0, 300);
  } catch {
    /* not JSON */
  }
  return body.slice(0, 300).replace(/\s+/g, ' ');
}

/** How far before the first variant an alert's @timestamp may lie (host/cluster clock skew): the pulls search from there. */
export const ALERT_CLOCK_SKEW_MS = 60_000;
