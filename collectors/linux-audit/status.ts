// `auditctl -s` output and auditd.conf: whether audit is on, who receives records, the lost counter.

export interface AuditStatus {
  enabled: number | undefined; // 0 off, 1 on, 2 locked (rules immutable until reboot)
  pid: number | undefined; // the audit daemon's pid, 0 when none
  lost: number | undefined;
  backlogLimit: number | undefined;
}

export function parseAuditStatus(text: string): AuditStatus {
  const get = (k: string): number | undefined => {
    const m = new RegExp(`^${k}\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return { enabled: get('enabled'), pid: get('pid'), lost: get('lost'), backlogLimit: get('backlog_limit') };
}

/** The `log_file` (and `log_format`) settings of auditd.conf; defaults when absent. */
export function parseAuditdConf(text: string | undefined): { logFile: string; logFormat: string } {
  const conf = { logFile: '/var/log/audit/audit.log', logFormat: 'ENRICHED' };
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*(log_file|log_format)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'log_file') conf.logFile = m[2]!;
    else conf.logFormat = m[2]!.toUpperCase();
  }
  return conf;
}
