// Why a variant cannot run on this host, in the words the report shows ("cryptography not
// installed"). Pure: the caller supplies the probes, so the harness decides how to look things up.

import type { OsType, Variant } from '../../src/model/index.js';

export interface HostProbes {
  platform: OsType;
  /** Absolute path of a binary on PATH, or undefined. */
  which(name: string): Promise<string | undefined>;
  /** Can the harness's python3 import this module? */
  pythonHas(module: string): Promise<boolean>;
  /** Does this node package resolve from the package root? */
  nodeHas(pkg: string): Promise<boolean>;
  /** Listeners the sink serves in this run (http, websocket, tcp, tls). */
  sinkListeners: ReadonlyArray<string>;
}

/** The first reason the variant must be skipped here, or undefined when it can run. */
export async function findSkipReason(v: Variant, host: HostProbes): Promise<string | undefined> {
  if (!v.platforms.includes(host.platform)) {
    return `runs only on ${v.platforms.join(', ')} (this host is ${host.platform})`;
  }
  for (const bin of v.requires) {
    if (!(await host.which(bin))) return `${bin} not found on PATH`;
  }
  for (const mod of v.requires_python ?? []) {
    if (!(await host.pythonHas(mod))) return `${mod} not installed`;
  }
  for (const pkg of v.requires_node ?? []) {
    if (!(await host.nodeHas(pkg))) return `${pkg} not installed`;
  }
  for (const l of v.requires_sink ?? []) {
    if (!host.sinkListeners.includes(l)) return `the sink has no ${l} listener`;
  }
  return undefined;
}
