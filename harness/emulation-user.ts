// Least privilege: when purple runs under sudo, only collectors keep root; emulations run as the
// user who typed sudo (SUDO_UID/SUDO_GID), and the files they need are handed to that user.

export interface EmulationUser {
  uid: number;
  gid: number;
}

/** The user emulations run as, or undefined to run them as ourselves. */
export function resolveEmulationUser(env: NodeJS.ProcessEnv = process.env): EmulationUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  // sudo from root to root sets SUDO_UID=0: nothing to drop.
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0 || gid < 0 || env.SUDO_UID === undefined) return undefined;
  return { uid, gid };
}
