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

export interface AuditdConf {
  logFile: string;
  logFormat: string;
  /** write_logs = no: auditd keeps no log file at all. */
  writeLogs: boolean;
  /** Thresholds in MB (a `NN%` setting is kept as a percentage of the log's file system). */
  spaceLeft: { value: number; percent: boolean; action: string };
  adminSpaceLeft: { value: number; percent: boolean; action: string };
}

const DEFAULT_CONF = (): AuditdConf => ({
  logFile: '/var/log/audit/audit.log',
  logFormat: 'ENRICHED',
  writeLogs: true,
  spaceLeft: { value: 75, percent: false, action: 'SYSLOG' },
  adminSpaceLeft: { value: 50, percent: false, action: 'SUSPEND' },
});

/** The settings of auditd.conf the collector depends on; auditd's defaults where absent. */
export function parseAuditdConf(text: string | undefined): AuditdConf {
  const conf = DEFAULT_CONF();
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*([a-z_]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    const [, k, v] = m as unknown as [string, string, string];
    const size = /^(\d+(?:\.\d+)?)(%?)$/.exec(v);
    if (k === 'log_file') conf.logFile = v;
    else if (k === 'log_format') conf.logFormat = v.toUpperCase();
    else if (k === 'write_logs') conf.writeLogs = v.toLowerCase() !== 'no';
    else if (k === 'space_left' && size) Object.assign(conf.spaceLeft, { value: Number(size[1]), percent: size[2] === '%' });
    else if (k === 'admin_space_left' && size) Object.assign(conf.adminSpaceLeft, { value: Number(size[1]), percent: size[2] === '%' });
    else if (k === 'space_left_action') conf.spaceLeft.action = v.toUpperCase();
    else if (k === 'admin_space_left_action') conf.adminSpaceLeft.action = v.toUpperCase();
  }
  return conf;
}

/** Actions after which auditd writes no more records (or takes the machine down). */
const STOPS_LOGGING = new Set(['SUSPEND', 'SINGLE', 'HALT']);

/**
 * Whether auditd would stop writing records with this much free space on the log's file system:
 * the reason when it would, undefined when logging goes on. Sizes in bytes.
 */
export function diskStopsLogging(conf: AuditdConf, freeBytes: number, totalBytes: number): string | undefined {
  const mb = (n: number): string => `${(n / 1048576).toFixed(0)} MB`;
  for (const [name, t] of [['admin_space_left', conf.adminSpaceLeft], ['space_left', conf.spaceLeft]] as const) {
    const limit = t.percent ? (totalBytes * t.value) / 100 : t.value * 1048576;
    if (freeBytes < limit && STOPS_LOGGING.has(t.action)) {
      return `only ${mb(freeBytes)} free where auditd logs (${conf.logFile}); below ${name} = ${t.value}${t.percent ? '%' : ''} auditd's action is ${t.action}, so it writes no records`;
    }
  }
  return undefined;
}
