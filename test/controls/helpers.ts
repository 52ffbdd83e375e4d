// Shared by the control tests: a run report whose variants match the vendor fixtures in
// fixtures/ (run 20261202T190000Z-ab12 on lab-host-01, three variants with known pids and windows).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport, TelemetryEvent, Verdict } from '../../src/model/index.js';
import { loadFixture } from '../report/helpers.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const RUN_ID = '20261202T190000Z-ab12';
export const HOST = 'lab-host-01';
export const A = 'openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary';
export const B = 'openssl-curl/enc-aes-128-ctr-pbkdf2+curl-form';
export const N = 'openssl-curl/negative-plaintext-curl';
export const MARK = { [A]: 'v-e98a01d771bd', [B]: 'v-fe5f9a248c86', [N]: 'v-71ae462d462c' } as const;

const ms = (iso: string): number => Date.parse(iso);

function verdict(base: Verdict, id: string, expect: 'positive' | 'negative', start: string, end: string, uploadPid: number, uploadAt: string): Verdict {
  return {
    ...structuredClone(base),
    variant_id: id,
    scenario_id: 'openssl-curl',
    expect,
    outcome: expect === 'positive' ? 'detected' : 'true-negative',
    expectation_met: true,
    started_at: start,
    ended_at: end,
    actions: [{ action: 'upload', pid: uploadPid, time_ms: ms(uploadAt), visibility: 'seen', event_ids: [], details: {} }],
    receipts: [{ time_ms: ms(uploadAt), protocol: 'http', peer: '127.0.0.1:1', bytes: 1, sha256: '0'.repeat(64), variant_id: id, ciphertext_verified: expect === 'positive', plaintext: expect !== 'positive' }],
    alert_ids: [],
  };
}

// A process event in whatever shape the fixture run's events have (the ECS values of the day).
function exec(template: TelemetryEvent, id: string, variant: string, pid: number, at: string, cmd: string): TelemetryEvent {
  const e = structuredClone(template);
  e['@timestamp'] = at;
  e.event.id = id;
  e.host = { name: HOST, os: { type: 'linux' } };
  e.process = { pid, entity_id: `ent-${pid}`, name: 'curl', executable: '/usr/bin/curl', args: cmd.split(' '), command_line: cmd };
  e.labels = { purple_run_id: RUN_ID, purple_variant_id: variant };
  return e;
}

/** run-a's report reshaped into the fixtures' run: variants A, B (positives) and N (negative). */
export function fixtureRun(): RunReport {
  const r = loadFixture('run-a');
  const base = r.verdicts[0] as Verdict;
  r.run.id = RUN_ID;
  r.run.started_at = '2026-12-02T19:00:00.000Z';
  r.run.ended_at = '2026-12-02T19:00:40.000Z';
  r.host.name = HOST;
  r.verdicts = [
    verdict(base, A, 'positive', '2026-12-02T19:00:10.000Z', '2026-12-02T19:00:12.000Z', 4242, '2026-12-02T19:00:11.500Z'),
    verdict(base, B, 'positive', '2026-12-02T19:00:20.000Z', '2026-12-02T19:00:22.000Z', 4343, '2026-12-02T19:00:21.000Z'),
    verdict(base, N, 'negative', '2026-12-02T19:00:30.000Z', '2026-12-02T19:00:32.000Z', 4444, '2026-12-02T19:00:31.000Z'),
  ];
  const template = r.events.find((e) => e.process?.pid !== undefined && String(e.event.action).includes('exec')) ?? (r.events[0] as TelemetryEvent);
  r.events = [
    exec(template, 'ev-a', A, 4242, '2026-12-02T19:00:11.300Z', 'curl --data-binary @payload.enc'),
    exec(template, 'ev-b', B, 4343, '2026-12-02T19:00:20.900Z', 'curl -sS --fail -o /dev/null -F file=@payload.enc http://127.0.0.1:40000/upload/z'),
    exec(template, 'ev-n', N, 4444, '2026-12-02T19:00:30.900Z', 'curl --data-binary @payload.txt'),
  ];
  r.alerts = [];
  return r;
}
