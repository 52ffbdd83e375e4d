// The rules the collector installs: every one tagged with the run's key, so that removing them
// (auditctl -D -k KEY) takes exactly what this run added and nothing of the host's own rules.

import { createHash } from 'node:crypto';
import { syscallsOf, type ArchTable } from './syscalls.js';

/** A unique audit key per run (auditctl keys are at most 31 bytes). */
export function auditKeyForRun(runId: string): string {
  return `purple-${createHash('sha256').update(runId).digest('hex').slice(0, 8)}`;
}

export interface AuditRuleSpec {
  /** One auditctl argv (without the binary) per rule. */
  argv: string[];
  /** b32 rules fail on kernels without 32-bit compat; failing them is not fatal. */
  optional: boolean;
  what: string;
}

export function buildAuditRules(key: string, arches: ArchTable[], watchPaths: string[]): AuditRuleSpec[] {
  const rules: AuditRuleSpec[] = [];
  for (const a of arches) {
    const optional = a.ruleArch === 'b32';
    for (const [kind, what] of [
      ['exec', 'process execs'],
      ['connect', 'outbound connects'],
      ['fork', 'forks (process tree of subshells)'],
    ] as const) {
      const names = syscallsOf(a, kind);
      if (!names.length) continue;
      rules.push({ argv: ['-a', 'always,exit', '-F', `arch=${a.ruleArch}`, '-S', names.join(','), '-k', key], optional, what: `${a.name} ${what}` });
    }
  }
  for (const p of watchPaths) rules.push({ argv: ['-w', p, '-p', 'r', '-k', key], optional: true, what: `crypto library reads of ${p}` });
  return rules;
}
