// The DET0503 EQL pack as DuckDB SQL: the strongest query we can write for what a detection
// engineer would run over an NDJSON export instead of purple (see buildSql for its shape), with
// the pack's semantics: the newest encryption event per join key is the pending one, the first
// qualifying connection after it (same key) completes it if it is within the window, else drops it.
// DUCKDB_THREADS sets DuckDB's thread count (bench/run.ts measures 1 and 2).
//
// Run as a child process by bench/run.ts (so its peak RSS can be measured on its own):
//   tsx bench/duckdb-det0503.ts <events.ndjson> [config.yaml]   → one JSON line on stdout
// The site lists (EncryptionRoutinePattern, ApplicationProfileBaseline) are read from the same
// configuration file the EQL pack expands, so both sides test the same patterns.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseDetectorConfig } from '../src/detector/index.js';

/**
 * EQL wildcards (`*`, `?`, matched case-insensitively with `:`) → one RE2 alternation for an
 * unanchored search: a leading or trailing `*` becomes a missing anchor instead of `.*`, which
 * keeps RE2 on its fast DFA path (twenty `.*a.*b.*` branches anchored at both ends do not).
 */
export function wildcardsToRegex(patterns: string[]): string | null {
  if (!patterns.length) return null;
  const one = (p: string): string => {
    let body = p;
    const open = body.startsWith('*');
    const close = body.endsWith('*') && body.length > 1;
    body = body.replace(/^\*+/, '').replace(/\*+$/, '');
    let out = open ? '' : '^';
    for (const ch of body) {
      if (ch === '*') out += '.*';
      else if (ch === '?') out += '.';
      else out += /[\\^$.|?*+()[\]{}]/.test(ch) ? '\\' + ch : ch;
    }
    return out + (close || (open && !body) ? '' : '$');
  };
  return `(?s)(?:${patterns.map(one).join('|')})`;
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function anyMatch(col: string, patterns: string[]): string {
  const re = wildcardsToRegex(patterns);
  return re ? `regexp_matches(${col}, ${q(re)}, 'i')` : 'false';
}

/** cidrMatch for the configured exclusions, in plain SQL (the inet extension would be a download). */
function cidrSql(col: string, ip4: string, cidrs: string[]): string {
  const parts: string[] = [];
  for (const c of cidrs) {
    const [addr, lenS] = c.split('/');
    const len = Number(lenS ?? (addr!.includes(':') ? 128 : 32));
    if (addr!.includes(':')) {
      // IPv6: whole leading hex digits only (enough for ff00::/8); anything finer is refused.
      if (len % 4 !== 0) throw new Error(`IPv6 CIDR ${c}: only prefixes in whole hex digits are supported here`);
      const hex = addr!.toLowerCase().replace(/::.*$/, '').replace(/:/g, '');
      parts.push(`(contains(${col}, ':') AND starts_with(lower(${col}), ${q(hex.slice(0, len / 4))}))`);
    } else {
      const oct = addr!.split('.').map(Number);
      const base = (((oct[0]! << 24) >>> 0) + (oct[1]! << 16) + (oct[2]! << 8) + oct[3]!) >>> 0;
      const size = 2 ** (32 - len);
      const lo = base - (base % size);
      parts.push(`(${ip4} BETWEEN ${lo} AND ${lo + size - 1})`);
    }
  }
  return parts.length ? '(' + parts.join(' OR ') + ')' : 'false';
}

/** The join keys of each rule: [encryption step's key, connection step's key] (host.id is shared). */
export const RULES: ReadonlyArray<{ name: string; e: string; n: string }> = [
  { name: 'same-process', e: 'entity', n: 'entity' },
  { name: 'parent-child', e: 'entity', n: 'parent_entity' },
  { name: 'child-parent', e: 'parent_entity', n: 'entity' },
  { name: 'siblings', e: 'parent_entity', n: 'parent_entity' },
  { name: 'same-user-host', e: 'user_id', n: 'user_id' },
];

/**
 * The DET0503 EQL pack as one DuckDB statement, written for speed as a fluent engineer would:
 * one scan that reads only the needed columns and classifies each event (one case-insensitive
 * RE2 alternation per pattern list), keeping the flagged rows only; then per rule an ASOF JOIN
 * from each connection to the newest encryption of the same key at or before it — exactly EQL's
 * "the newest pending sequence per key wins" — grouped per encryption, whose first connection
 * completes it when it falls within maxspan (a later one cannot: the sequence is consumed or
 * expired). No global numbering, no sort of the whole file, no windowed self-joins.
 */
export function buildSql(file: string, lists: Record<string, string[]>, maxspanMs: number): string {
  const cmd = lists['EncryptionRoutinePattern.command_line'] ?? [];
  const lib = lists['EncryptionRoutinePattern.library'] ?? [];
  const exe = lists['ApplicationProfileBaseline.executable'] ?? [];
  const sid = lists['ApplicationProfileBaseline.signing_id'] ?? [];
  const excluded = lists['ApplicationProfileBaseline.excluded_destinations'] ?? ['224.0.0.0/4', '255.255.255.255/32', 'ff00::/8'];
  const cols = {
    '@timestamp': 'TIMESTAMP',
    event: 'STRUCT(category VARCHAR[], type VARCHAR[], action VARCHAR)',
    host: 'STRUCT(id VARCHAR, os STRUCT(type VARCHAR))',
    user: 'STRUCT(id VARCHAR)',
    process: 'STRUCT(entity_id VARCHAR, executable VARCHAR, command_line VARCHAR, parent STRUCT(entity_id VARCHAR), code_signature STRUCT(signing_id VARCHAR))',
    dll: 'STRUCT(path VARCHAR)',
    destination: 'STRUCT(ip VARCHAR)',
    network: 'STRUCT(direction VARCHAR)',
  };
  const colSql = '{' + Object.entries(cols).map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ') + '}';
  // IPv4 as a number, only for connections (the exclusion ranges).
  const ip4 = `CASE WHEN regexp_full_match(dst, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}')
        THEN list_reduce(list_transform(string_split(dst, '.'), x -> x::UBIGINT), (a, b) -> a * 256 + b) END`;
  // Connections are first cut to the keys some encryption has (a hash semi-join): the ASOF join
  // then sees a few thousand rows instead of every outbound connection of the fleet.
  const perRule = (os: string, r: (typeof RULES)[number]): string => `
  SELECT ${q(os)} AS os, ${q(r.name)} AS rule, count(*) FILTER (WHERE first_n - e_ts <= ${maxspanMs * 1000}) AS alerts FROM (
    SELECT e.ts AS e_ts, min(n.ts) AS first_n
    FROM (SELECT host_id, ${r.n} AS k, ts FROM cls WHERE net AND os = ${q(os)}) n
    SEMI JOIN (SELECT host_id, ${r.e} AS k FROM cls WHERE enc AND os = ${q(os)}) ek USING (host_id, k)
    ASOF JOIN (SELECT host_id, ${r.e} AS k, ts FROM cls WHERE enc AND os = ${q(os)} AND ${r.e} IS NOT NULL) e
      ON n.host_id = e.host_id AND n.k = e.k AND n.ts >= e.ts
    GROUP BY e.host_id, e.k, e.ts
  )`;
  return `
WITH cls AS MATERIALIZED (
  SELECT host_id, os, user_id, entity, parent_entity, epoch_us(ts) AS ts, enc, net FROM (
    SELECT *,
      CASE category
        WHEN 'process' THEN list_contains(etype, 'start') AND action <> 'fork' AND ${anyMatch('cmd', cmd)}
        WHEN 'library' THEN ${anyMatch('dll_path', lib)}
        ELSE false END AS enc,
      CASE WHEN category = 'network' AND action = 'connection_attempted' THEN
        direction NOT IN ('ingress', 'inbound')
        AND NOT ${anyMatch('exe', exe)}
        AND NOT (os = 'macos' AND ${anyMatch('signing_id', sid)})
        AND NOT coalesce(${cidrSql('dst', `(${ip4})`, excluded)}, false)
        ELSE false END AS net
    FROM (
      SELECT "@timestamp" AS ts, event.category[1] AS category, event.type AS etype, event.action AS action,
        host.id AS host_id, host.os.type AS os, "user".id AS user_id,
        process.entity_id AS entity, process.parent.entity_id AS parent_entity,
        coalesce(process.executable, '') AS exe, coalesce(process.command_line, '') AS cmd,
        coalesce(process.code_signature.signing_id, '') AS signing_id,
        coalesce(dll.path, '') AS dll_path, coalesce(destination.ip, '') AS dst,
        lower(coalesce(network.direction, '')) AS direction
      FROM read_ndjson(${q(file)}, columns = ${colSql})
      WHERE host.os.type IN ('linux', 'macos')
    )
  ) WHERE enc OR net
)
${['linux', 'macos'].flatMap((os) => RULES.map((r) => perRule(os, r))).join('\nUNION ALL')}
`;
}

function maxspanMs(lists: Record<string, string[]>): number {
  const v = lists['DET0503.maxspan']?.[0] ?? '60s';
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new Error(`DET0503.maxspan ${v}: not a duration`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * unit;
}

async function main(): Promise<void> {
  const file = resolve(process.argv[2] ?? '');
  const configPath = resolve(process.argv[3] ?? 'rules/config/det0503.yaml');
  const config = parseDetectorConfig(readFileSync(configPath, 'utf8'), configPath);
  const sql = buildSql(file, config.lists, maxspanMs(config.lists));
  const t0 = performance.now();
  // No extension downloads: everything used here (json) is built in.
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', threads: String(process.env.DUCKDB_THREADS ?? 2) });
  const con = await db.connect();
  const reader = await con.runAndReadAll(sql);
  const rows = reader.getRowObjects() as Array<{ os: string; rule: string; alerts: bigint | number }>;
  const seconds = (performance.now() - t0) / 1000;
  const byRule: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    byRule[`${r.os}/${r.rule}`] = Number(r.alerts);
    total += Number(r.alerts);
  }
  process.stdout.write(JSON.stringify({ alerts: total, by_rule: byRule, seconds, threads: Number(process.env.DUCKDB_THREADS ?? 2) }) + '\n');
}

if (process.argv[1] && /duckdb-det0503\.[cm]?[jt]s$/.test(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
