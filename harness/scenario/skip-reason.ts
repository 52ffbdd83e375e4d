// Why a variant cannot run on this host, in the words the report shows ("python module
// cryptography not installed"). The one implementation for `purple run`, its dry-run plan and
// `purple list`: findSkipReason is pure over the probes; createHostProbes answers them for real.

import { createRequire } from 'node:module';
import type { CommandRunner, OsType, Variant } from '../../src/model/index.js';

export interface HostProbes {
  platform: OsType;
  /** Absolute path of a binary on PATH, or undefined. */
  which(name: string): Promise<string | undefined>;
  /** Can the harness's python3 import this module? Absent: python modules are not probed (a plan). */
  pythonHas?: (module: string) => Promise<boolean>;
  /** Does this node package resolve from the package? */
  nodeHas(pkg: string): Promise<boolean>;
  /** Listeners the sink serves in this run (http, websocket, tcp, tls). Absent: not known yet, not checked. */
  sinkListeners?: ReadonlyArray<string>;
}

/** The first reason the variant must be skipped here, or undefined when it can run. */
export async function findSkipReason(v: Variant, host: HostProbes): Promise<string | undefined> {
  if (!v.platforms.includes(host.platform)) return `runs on ${v.platforms.join(' or ')} only`;
  for (const bin of v.requires) if (!(await host.which(bin))) return `${bin} not found on PATH`;
  if (host.pythonHas && v.requires_python?.length) {
    if (!(await host.which('python3'))) return 'python3 not found on PATH';
    for (const m of v.requires_python) if (!(await host.pythonHas(m))) return `python module ${m} not installed`;
  }
  for (const pkg of v.requires_node ?? []) if (!(await host.nodeHas(pkg))) return `node package ${pkg} not installed`;
  if (host.sinkListeners) for (const l of v.requires_sink ?? []) if (!host.sinkListeners.includes(l)) return `the sink has no ${l} listener on this host`;
  return undefined;
}

/**
 * Probes answered on this host, each at most once (a run asks the same question for many
 * variants). `python` is the interpreter to probe modules with; without it modules are not probed.
 */
export function createHostProbes(opts: { platform: OsType; runner: CommandRunner; python?: string; sinkListeners?: ReadonlyArray<string> }): HostProbes {
  const bins = new Map<string, Promise<string | undefined>>();
  const modules = new Map<string, Promise<boolean>>();
  const python = opts.python;
  const probes: HostProbes = {
    platform: opts.platform,
    which(bin) {
      let p = bins.get(bin);
      if (!p) bins.set(bin, (p = opts.runner.which(bin)));
      return p;
    },
    async nodeHas(name) {
      try {
        createRequire(import.meta.url).resolve(name);
        return true;
      } catch {
        return false;
      }
    },
  };
  if (python !== undefined) {
    probes.pythonHas = (mod) => {
      let p = modules.get(mod);
      if (!p) {
        // The module name goes in as data of a fixed program, never spliced into code.
        p = opts.runner.run([python, '-c', 'import importlib, sys; importlib.import_module(sys.argv[1])', mod], { timeoutMs: 30_000 }).then((r) => r.exitCode === 0);
        modules.set(mod, p);
      }
      return p;
    };
  }
  if (opts.sinkListeners) probes.sinkListeners = opts.sinkListeners;
  return probes;
}
