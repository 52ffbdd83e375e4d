// Sigma's field taxonomy for the log sources the embedded detector routes (macOS and Linux
// endpoint telemetry), as SigmaHQ's taxonomy appendix defines them: the generic categories take
// Sysmon's event field names (process_creation = Sysmon event 1, network_connection = event 3,
// file_event = event 11, image_load = event 7), and `service: auditd` takes auditd's own record
// keys. Used by the field check: a rule may name a field of its log source's taxonomy (if the
// mapping gives it a place in the event), an ECS field, or a field the site declares.

export const SIGMA_CATEGORY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  process_creation: [
    'ProcessId', 'ProcessGuid', 'Image', 'FileVersion', 'Description', 'Product', 'Company', 'OriginalFileName',
    'CommandLine', 'CurrentDirectory', 'User', 'LogonGuid', 'LogonId', 'TerminalSessionId', 'IntegrityLevel', 'Hashes',
    'md5', 'sha1', 'sha256', 'imphash', 'ParentProcessGuid', 'ParentProcessId', 'ParentImage', 'ParentCommandLine', 'ParentUser',
  ],
  network_connection: [
    'ProcessGuid', 'ProcessId', 'Image', 'User', 'Protocol', 'Initiated', 'SourceIsIpv6', 'SourceIp', 'SourceHostname', 'SourcePort',
    'SourcePortName', 'DestinationIsIpv6', 'DestinationIp', 'DestinationHostname', 'DestinationPort', 'DestinationPortName',
  ],
  file_event: ['ProcessGuid', 'ProcessId', 'Image', 'TargetFilename', 'CreationUtcTime', 'User'],
  image_load: ['ProcessGuid', 'ProcessId', 'Image', 'ImageLoaded', 'FileVersion', 'Description', 'Product', 'Company', 'OriginalFileName', 'Hashes', 'Signed', 'Signature', 'SignatureStatus', 'User'],
};

/** Which products SigmaHQ's taxonomy lists a generic category for (image_load is Windows-only). */
export const SIGMA_CATEGORY_PRODUCTS: Readonly<Record<string, readonly string[]>> = {
  process_creation: ['linux', 'macos'],
  network_connection: ['linux', 'macos'],
  file_event: ['linux', 'macos'],
  image_load: [],
};

/**
 * Keys of auditd records (audit.log as auditd writes it) that SigmaHQ's `service: auditd` rules
 * test; `type` is the record type (SYSCALL, EXECVE, PATH, …), a0… the syscall or execve arguments.
 */
export const AUDITD_FIELDS: readonly string[] = [
  'type', 'syscall', 'SYSCALL', 'arch', 'success', 'exit', 'ppid', 'pid', 'auid', 'uid', 'gid', 'euid', 'suid', 'fsuid', 'egid', 'sgid', 'fsgid',
  'tty', 'ses', 'comm', 'exe', 'subj', 'key', 'argc', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'cwd', 'name', 'inode', 'dev',
  'mode', 'ouid', 'ogid', 'nametype', 'cap_fp', 'cap_fi', 'saddr', 'proctitle', 'item', 'items', 'res', 'op', 'acct', 'hostname', 'addr', 'terminal', 'msg',
];
