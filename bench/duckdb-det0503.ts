// The DET0503 EQL pack as DuckDB SQL: what a detection engineer would run over an NDJSON export
// instead of purple. One windowed join per rule (OS × join strength), with the pack's semantics:
// the newest encryption event per join key is the pending one, the first qualifying connection
// after it (same key) completes it if it is within the window, else drops it.
//
// Run as a child process by bench/run.ts (so its peak RSS can be measured on its own):
//   tsx bench/duckdb-det0503.ts <events.ndjson> [config.yaml]   → one JSON line on stdout
// The site lists (EncryptionRoutinePattern, ApplicationProfileBaseline) are read from the same
// configuration file the EQL pack expands, so both sides test the same patterns.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseDetectorConfig } from '../src/detector/index.js';

/** EQL wildcard (`*`, `?`, case-insensitive with `:`) → an ILIKE pattern with `\` as escape. */
export function wildcardToLike(p: string): string {
  let out = '';
  for (const ch of p) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += '\\' + ch;
    else out += ch;
  }
  return out;
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function anyLike(col: string, patterns: string[]): string {
  if (!patterns.length) return 'false';
  return '(' + patterns.map((p) => `${col} ILIKE ${q(wildcardToLike(p))} ESCAPE '\\'`).join(' OR ') + ')';
}

/** cidrMatch for the configured exclusions, in plain SQL (the inet extension would be a download). */
function cidrSql(col: string, cidrs: string[]): string {
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
      parts.push(`(ip4 BETWEEN ${lo} AND ${lo + size - 1})`);
    }
  }
  return parts.length ? '(' + parts.join(' OR ') + ')' : 'false';
}

export function buildSql(file: string, lists: Record<string, string[]>, maxspanMs: number): string {
  const cmd = lists['EncryptionRoutinePattern.command_line'] ?? [];
  const lib = lists['EncryptionRoutinePattern.library'] ?? [];
  const exe = lists['ApplicationProfileBaseline.executable'] ?? [];
  const sid = lists['ApplicationProfileBaseline.signing_id'] ?? [];
  const excluded = lists['ApplicationProfileBaseline.excluded_destinations'] ?? ['224.0.0.0/4', '255.255.255.255/32', 'ff00::/8'];
  const cols = {
    '@timestamp': 'TIMESTAMP',
    event: 'STRUCT(category VARCHAR, type VARCHAR, action VARCHAR)',
    host: 'STRUCT(id VARCHAR, os STRUCT(type VARCHAR))',
    user: 'STRUCT(id VARCHAR)',
    process: 'STRUCT(entity_id VARCHAR, executable VARCHAR, command_line VARCHAR, parent STRUCT(entity_id VARCHAR), code_signature STRUCT(signing_id VARCHAR))',
    dll: 'STRUCT(path VARCHAR)',
    destination: 'STRUCT(ip VARCHAR)',
    network: 'STRUCT(direction VARCHAR)',
  };
  const colSql = '{' + Object.entries(cols).map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ') + '}';
  const rules: Array<{ name: string; e: [string, string]; n: [string, string] }> = [
    { name: 'same-process', e: ['host_id', 'entity'], n: ['host_id', 'entity'] },
    { name: 'parent-child', e: ['host_id', 'entity'], n: ['host_id', 'parent_entity'] },
    { name: 'child-parent', e: ['host_id', 'parent_entity'], n: ['host_id', 'entity'] },
    { name: 'siblings', e: ['host_id', 'parent_entity'], n: ['host_id', 'parent_entity'] },
    { name: 'same-user-host', e: ['host_id', 'user_id'], n: ['host_id', 'user_id'] },
  ];
  const perRule = (os: string, r: (typeof rules)[number]): string => `
    SELECT ${q(os)} AS os, ${q(r.name)} AS rule, count(*) AS alerts FROM (SELECT ord FROM (
      SELECT is_e, ts, ord,
        max(CASE WHEN is_e THEN ord END) OVER w AS e_ord,
        max(CASE WHEN is_e THEN ts END) OVER w AS e_ts
      FROM (
        SELECT ${r.e[0]} AS k1, ${r.e[1]} AS k2, ts, ord, true AS is_e FROM cls WHERE enc AND os = ${q(os)} AND ${r.e[0]} IS NOT NULL AND ${r.e[1]} IS NOT NULL
        UNION ALL
        SELECT ${r.n[0]}, ${r.n[1]}, ts, ord, false FROM cls WHERE net AND os = ${q(os)} AND ${r.n[0]} IS NOT NULL AND ${r.n[1]} IS NOT NULL
      )
      WINDOW w AS (PARTITION BY k1, k2 ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ) WHERE NOT is_e AND e_ord IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY e_ord ORDER BY ord) = 1 AND epoch_ms(ts) - epoch_ms(e_ts) <= ${maxspanMs})`;
  // QUALIFY sees the filtered rows: the first connection after each pending encryption.
  return `
WITH raw AS (
  SELECT "@timestamp" AS ts, row_number() OVER () AS pos,
    event.category AS category, event.type AS etype, event.action AS action,
    host.id AS host_id, host.os.type AS os, "user".id AS user_id,
    process.entity_id AS entity, process.parent.entity_id AS parent_entity,
    coalesce(process.executable, '') AS exe, coalesce(process.command_line, '') AS cmd,
    coalesce(process.code_signature.signing_id, '') AS signing_id,
    coalesce(dll.path, '') AS dll_path, coalesce(destination.ip, '') AS dst,
    lower(coalesce(network.direction, '')) AS direction
  FROM read_ndjson(${q(file)}, columns = ${colSql})
),
cls AS MATERIALIZED (
  SELECT host_id, os, user_id, entity, parent_entity, ts, row_number() OVER (ORDER BY ts, pos) AS ord, enc, net FROM (
    SELECT *,
      ((category = 'process' AND etype = 'start' AND action <> 'fork' AND ${anyLike('cmd', cmd)})
        OR (category = 'library' AND ${anyLike('dll_path', lib)})) AS enc,
      (category = 'network' AND (etype = 'connection' OR lower(action) IN ('connect', 'connection_attempted'))
        AND direction NOT IN ('ingress', 'inbound')
        AND NOT ${anyLike('exe', exe)}
        AND NOT (os = 'macos' AND ${anyLike('signing_id', sid)})
        AND NOT coalesce(${cidrSql('dst', excluded)}, false)) AS net
    FROM (
      SELECT *, CASE WHEN category = 'network' AND regexp_full_match(dst, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}')
        THEN list_reduce(list_transform(string_split(dst, '.'), x -> x::UBIGINT), (a, b) -> a * 256 + b) END AS ip4
      FROM raw WHERE os IN ('linux', 'macos')
    )
  ) WHERE enc OR net
)
${['linux', 'macos'].flatMap((os) => rules.map((r) => perRule(os, r))).join('\nUNION ALL')}
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
