// Turns what eslogger (or sudo in front of it) printed on stderr into a reason and the exact fix.
// es_new_client() results: ERR_NOT_PERMITTED = no TCC Full Disk Access for the responsible
// process; ERR_NOT_PRIVILEGED = not root; ERR_TOO_MANY_CLIENTS = the system's ES client limit.

export type EsloggerFailureKind = 'not-permitted' | 'not-privileged' | 'sudo-password' | 'too-many-clients' | 'not-found';

export interface EsloggerFailure {
  kind: EsloggerFailureKind;
  reason: string;
  fix: string;
}

export const FULL_DISK_ACCESS_FIX =
  'grant Full Disk Access to the program that starts purple: System Settings → Privacy & Security → Full Disk Access → "+" → ' +
  'add your terminal (Terminal.app, iTerm.app), or for SSH sessions /usr/libexec/sshd-keygen-wrapper, or for a CI runner ' +
  'its agent binary; then quit and reopen it (TCC is checked against the responsible process, not against sudo or node)';

export function classifyEsloggerFailure(stderr: string): EsloggerFailure | undefined {
  if (/NOT_PERMITTED|not permitted/i.test(stderr)) {
    return { kind: 'not-permitted', reason: 'eslogger is not permitted to create an Endpoint Security client (no Full Disk Access)', fix: FULL_DISK_ACCESS_FIX };
  }
  if (/NOT_PRIVILEGED|not privileged|must be run as (super-user|root)/i.test(stderr)) {
    return { kind: 'not-privileged', reason: 'eslogger must run as root', fix: 'run purple with sudo (sudo purple run …) or allow passwordless sudo for /usr/bin/eslogger' };
  }
  if (/sudo: (a password is required|a terminal is required)|sudo:.*no tty present/i.test(stderr)) {
    return {
      kind: 'sudo-password',
      reason: 'sudo -n needs a password to start eslogger',
      fix: 'run purple with sudo, or add a sudoers rule: "<user> ALL=(root) NOPASSWD: /usr/bin/eslogger"',
    };
  }
  if (/TOO_MANY_CLIENTS|too many/i.test(stderr)) {
    return { kind: 'too-many-clients', reason: 'the system refused another Endpoint Security client', fix: 'stop the other eslogger runs you started (each is an Endpoint Security client) and retry' };
  }
  if (/command not found|No such file or directory|not found/i.test(stderr)) {
    return { kind: 'not-found', reason: 'eslogger not found', fix: 'eslogger ships with macOS 13 (Ventura) and later: upgrade macOS' };
  }
  return undefined;
}
