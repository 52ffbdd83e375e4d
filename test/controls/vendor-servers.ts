// Local stand-ins (127.0.0.1 only) for the vendor APIs the pull sources call, answering as the
// vendors document them: Elasticsearch _search with search_after paging, Kibana's detection
// engine search, Splunk's search/jobs (create → status → results pages → delete); auth errors,
// 404s, 400s, and 429 with Retry-After on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export interface ElasticBehaviour {
  apiKey: string;
  /** Alert documents (_source) in the index, sorted by @timestamp. */
  docs: Array<Record<string, unknown>>;
  /** Answer the first N searches with 429 + Retry-After: 0. */
  rateLimitFirst?: number;
  /** The index does not exist (404 index_not_found_exception). */
  missingIndex?: boolean;
}

/** Elasticsearch: POST /<index>/_search (ApiKey auth), and Kibana's POST /api/detection_engine/signals/search. */
export function fakeElastic(b: ElasticBehaviour): Promise<FakeServer> {
  let limited = 0;
  return serve((req, body, res) => {
    if (req.headers.authorization !== `ApiKey ${b.apiKey}`) {
      return json(res, 401, { error: { root_cause: [{ type: 'security_exception', reason: 'unable to authenticate with provided credentials' }], type: 'security_exception', reason: 'unable to authenticate with provided credentials' }, status: 401 });
    }
    if (b.rateLimitFirst && limited < b.rateLimitFirst) {
      limited++;
      return json(res, 429, { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' }, status: 429 }, { 'retry-after': '0' });
    }
    const kibana = (req.url ?? '').includes('/api/detection_engine/signals/search');
    if (kibana && req.headers['kbn-xsrf'] === undefined) return json(res, 400, { statusCode: 400, error: 'Bad Request', message: 'Request must contain a kbn-xsrf header.' });
    if (!kibana && !/^\/[^/]+\/_search/.test(req.url ?? '')) return json(res, 404, { error: 'no handler' });
    if (b.missingIndex) return json(res, 404, { error: { type: 'index_not_found_exception', reason: 'no such index [.alerts-security.alerts-*]' }, status: 404 });
    let q: { size?: number; search_after?: unknown[]; query?: { bool?: { filter?: Array<{ range?: Record<string, { gte?: string }> }> } } };
    try {
      q = JSON.parse(body) as typeof q;
    } catch {
      return json(res, 400, { error: { type: 'parsing_exception', reason: 'request body is not JSON' }, status: 400 });
    }
    const gte = q.query?.bool?.filter?.[0]?.range?.['@timestamp']?.gte;
    const size = q.size ?? 10;
    const key = (d: Record<string, unknown>): [string, string] => [String(d['@timestamp']), String(d['kibana.alert.uuid'])];
    let list = b.docs.filter((d) => !gte || String(d['@timestamp']) >= gte);
    if (q.search_after) {
      const [t, u] = q.search_after.map(String);
      list = list.filter((d) => { const [dt, du] = key(d); return dt > t! || (dt === t && du > u!); });
    }
    const page = list.slice(0, size);
    json(res, 200, { took: 1, timed_out: false, hits: { total: { value: list.length, relation: 'eq' }, hits: page.map((d) => ({ _index: '.internal.alerts-security.alerts-default-000001', _id: String(d['kibana.alert.uuid']), _source: d, sort: key(d) })) } });
  });
}

export interface SplunkBehaviour {
  token: string;
  results: Array<Record<string, unknown>>;
  /** Polls answered RUNNING before DONE. */
  runningPolls?: number;
  /** The job fails (dispatchState FAILED). */
  fail?: boolean;
  /** SPL that Splunk rejects with 400 and a message. */
  badSearch?: RegExp;
  rateLimitFirst?: number;
}

/** Splunk: POST /services/search/jobs, GET …/<sid>, GET …/<sid>/results, DELETE …/<sid>. */
export function fakeSplunk(b: SplunkBehaviour): Promise<FakeServer> {
  let polls = 0;
  let limited = 0;
  const sid = '1733166000.42';
  return serve((req, body, res) => {
    if (req.headers.authorization !== `Bearer ${b.token}`) return json(res, 401, { messages: [{ type: 'WARN', text: 'call not properly authenticated' }] });
    if (b.rateLimitFirst && limited < b.rateLimitFirst) {
      limited++;
      return json(res, 503, { messages: [{ type: 'ERROR', text: 'Search not executed: The maximum number of concurrent searches has been reached' }] }, { 'retry-after': '0' });
    }
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && u.pathname === '/services/search/jobs') {
      const form = new URLSearchParams(body);
      if (form.get('output_mode') !== 'json') return json(res, 400, { messages: [{ type: 'ERROR', text: 'expected output_mode=json in this fake' }] });
      if (b.badSearch?.test(form.get('search') ?? '')) return json(res, 400, { messages: [{ type: 'FATAL', text: "Error in 'search' command: Unable to parse the search" }] });
      return json(res, 201, { sid });
    }
    if (u.pathname === `/services/search/jobs/${sid}`) {
      if (req.method === 'DELETE') return json(res, 200, { messages: [{ type: 'INFO', text: 'Search job cancelled.' }] });
      polls++;
      const state = b.fail ? 'FAILED' : polls <= (b.runningPolls ?? 0) ? 'RUNNING' : 'DONE';
      return json(res, 200, { entry: [{ name: sid, content: { sid, dispatchState: state, isDone: state === 'DONE' || state === 'FAILED', isFailed: state === 'FAILED', messages: b.fail ? [{ type: 'FATAL', text: 'search failed' }] : [] } }] });
    }
    if (u.pathname === `/services/search/jobs/${sid}/results`) {
      const offset = Number(u.searchParams.get('offset') ?? 0);
      const count = Number(u.searchParams.get('count') ?? 100);
      return json(res, 200, { preview: false, init_offset: offset, messages: [], fields: [], results: b.results.slice(offset, offset + count) });
    }
    json(res, 404, { messages: [{ type: 'ERROR', text: `Unknown sid or path ${u.pathname}` }] });
  });
}
