// What a variant needs on the host, checked for presence only, with the command that would install
// each missing piece (like Invoke-AtomicTest's -CheckPrereqs). Nothing here installs anything:
// `purple show` and `purple doctor --variant` print the commands for the operator to run.

import type { Variant } from '../../src/model/index.js';
import type { HostProbes } from './skip-reason.js';

export interface Prerequisite {
  kind: 'platform' | 'binary' | 'python-module' | 'node-package' | 'sink-listener';
  name: string;
  /** true present, false missing, null not checked here (e.g. the sink's listeners exist only during a run). */
  present: boolean | null;
  /** The command that installs it, for this platform, when one is known. */
  install?: string;
}

// Binaries the shipped catalogue names → the package that carries them.
const DEBIAN_PACKAGE: Record<string, string> = {
  openssl: 'openssl', curl: 'curl', python3: 'python3', sh: 'dash', env: 'coreutils', gpg: 'gnupg', ncat: 'ncat',
  '7z': 'p7zip-full', zip: 'zip', tar: 'tar', strace: 'strace', chromium: 'chromium', node: 'nodejs', socat: 'socat',
};
const BREW_PACKAGE: Record<string, string> = { openssl: 'openssl', curl: 'curl', python3: 'python', gpg: 'gnupg', ncat: 'nmap', '7z': 'p7zip', socat: 'socat' };
// Python modules → the Debian package and the pip distribution name.
const PYTHON_MODULE: Record<string, { debian?: string; pip: string }> = {
  cryptography: { debian: 'python3-cryptography', pip: 'cryptography' },
  Crypto: { debian: 'python3-pycryptodome', pip: 'pycryptodome' },
  websocket: { debian: 'python3-websocket', pip: 'websocket-client' },
  requests: { debian: 'python3-requests', pip: 'requests' },
};

function installHint(kind: Prerequisite['kind'], name: string, platform: string): string | undefined {
  if (kind === 'binary') {
    if (platform === 'macos') return BREW_PACKAGE[name] ? `brew install ${BREW_PACKAGE[name]}` : undefined;
    return `sudo apt-get install -y ${DEBIAN_PACKAGE[name] ?? name}`;
  }
  if (kind === 'python-module') {
    const m = PYTHON_MODULE[name];
    const pip = `python3 -m pip install --user ${m?.pip ?? name}`;
    return platform === 'linux' && m?.debian ? `sudo apt-get install -y ${m.debian}   (or: ${pip})` : pip;
  }
  if (kind === 'node-package') return `npm install --no-save ${name}   (in the purple-harness folder)`;
  if (kind === 'sink-listener' && name === 'tls') return 'needs openssl on the host (the sink makes its TLS certificate with it)';
  return undefined;
}

/** Every prerequisite of the variant, each checked for presence on this host. */
export async function checkPrerequisites(v: Variant, host: HostProbes): Promise<Prerequisite[]> {
  const out: Prerequisite[] = [];
  const add = (kind: Prerequisite['kind'], name: string, present: boolean | null): void => {
    const install = present === false ? installHint(kind, name, host.platform) : undefined;
    out.push({ kind, name, present, ...(install ? { install } : {}) });
  };
  add('platform', v.platforms.join(' or '), v.platforms.includes(host.platform));
  for (const bin of v.requires) add('binary', bin, (await host.which(bin)) !== undefined);
  if (v.requires_python?.length && !v.requires.includes('python3')) add('binary', 'python3', (await host.which('python3')) !== undefined);
  for (const m of v.requires_python ?? []) add('python-module', m, host.pythonHas ? await host.pythonHas(m) : null);
  for (const p of v.requires_node ?? []) add('node-package', p, await host.nodeHas(p));
  for (const l of v.requires_sink ?? []) add('sink-listener', l, host.sinkListeners ? host.sinkListeners.includes(l) : null);
  return out;
}

/** Plain lines for people: one per prerequisite, with the install command of what is missing. */
export function formatPrerequisites(list: readonly Prerequisite[]): string[] {
  return list.map((p) => {
    const state = p.present === true ? 'ok     ' : p.present === false ? 'MISSING' : 'at run ';
    return `${state} ${p.kind} ${p.name}${p.install ? `\n          install: ${p.install}` : ''}`;
  });
}
