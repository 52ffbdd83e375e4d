// purple doctor: which collectors can run here, what each sees, and the exact fix for what is missing.

import type { Command } from 'commander';
import type { CollectorAvailability } from '../model/index.js';
import type { Prerequisite } from '../../harness/scenario/index.js';
import { action } from './common.js';
import { readHostFacts } from '../pipeline/index.js';

export interface DoctorEntry extends CollectorAvailability {
  id: string;
  description: string;
  platforms: string[];
  applies: boolean;
}

export async function probeCollectors(): Promise<{ host: ReturnType<typeof readHostFacts>; collectors: DoctorEntry[] }> {
  // Loaded on use, not at registration, so `purple --help` does not pay for execa and the collectors.
  const { COLLECTORS, notForThisPlatform, probeCollector } = await import('../../collectors/registry.js');
  const { createCommandRunner } = await import('../../harness/command-runner.js');
  const host = readHostFacts();
  const runner = createCommandRunner();
  const ctx = { runner, hostName: host.name, hostId: host.id, isRoot: host.isRoot, options: {} };
  const collectors: DoctorEntry[] = [];
  for (const c of Object.values(COLLECTORS)) {
    const applies = host.os !== 'other' && c.platforms.includes(host.os);
    const availability = applies ? await probeCollector(c, ctx) : notForThisPlatform(c);
    collectors.push({ id: c.id, description: c.description, platforms: c.platforms, applies, ...availability });
  }
  return { host, collectors };
}

/** The prerequisites of the variants the globs select, checked on this host (presence only). */
export async function variantPrerequisites(globs: string[], scenarios: string | undefined, platform: 'linux' | 'macos'): Promise<Array<{ variant_id: string; prerequisites: Prerequisite[] }>> {
  const { loadCatalogue, selectVariants, checkPrerequisites, createHostProbes } = await import('../../harness/scenario/index.js');
  const { createCommandRunner } = await import('../../harness/command-runner.js');
  const { PurpleError } = await import('../model/index.js');
  const { join, resolve } = await import('node:path');
  const { packageRoot } = await import('./common.js');
  const catalogue = loadCatalogue(resolve(scenarios ?? join(packageRoot(), 'scenarios')));
  const variants = selectVariants(catalogue, { variant: globs });
  if (!variants.length) throw new PurpleError('NOT_FOUND', `no variant matches ${globs.join(', ')}`, { hint: 'see `purple list` for the variant ids' });
  const runner = createCommandRunner();
  const python = (await runner.which('python3')) ?? 'python3';
  const probes = createHostProbes({ platform, runner, python });
  const out: Array<{ variant_id: string; prerequisites: Prerequisite[] }> = [];
  for (const v of variants) out.push({ variant_id: v.id, prerequisites: await checkPrerequisites(v, probes) });
  return out;
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no ';
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check which telemetry collectors can run on this host, with what fidelity, and how to fix what is missing')
    .option('--json', 'machine-readable output for CI')
    .option('--variant <glob...>', 'also check the prerequisites of these variants (binaries, python modules, node packages) and print the command that installs each missing one; installs nothing')
    .option('--scenarios <dir>', 'scenario catalogue folder for --variant (default: the shipped scenarios/)')
    .addHelpText(
      'after',
      `
Fidelity columns: exec = process executions, args = full argv, net = outbound connections,
attr = connections attributed to a process, libs = crypto library loads.

Examples:
  purple doctor                      table of collectors and fixes
  sudo purple doctor                 as root (audit, eslogger and PKTAP need it)
  purple doctor --json > doctor.json for a CI step
  purple doctor --variant 'python-aes/*'   prerequisites of those variants, with install commands`,
    )
    .action(
      action(async (opts: { json?: boolean; variant?: string[]; scenarios?: string }) => {
        const { host, collectors } = await probeCollectors();
        const prereqs = opts.variant?.length ? await variantPrerequisites(opts.variant, opts.scenarios, host.os === 'macos' ? 'macos' : 'linux') : undefined;
        const missing = prereqs?.some((v) => v.prerequisites.some((p) => p.present === false)) ?? false;
        if (opts.json) {
          process.stdout.write(JSON.stringify({ host, collectors, ...(prereqs ? { variants: prereqs } : {}) }, null, 2) + '\n');
          return missing ? 1 : 0;
        }
        const out: string[] = [];
        out.push(`host ${host.name} (${host.osVersion}, ${host.arch})${host.isRoot ? ', running as root' : ', not root'}`);
        out.push('');
        out.push('collector   ready  exec args net  attr libs  notes');
        for (const c of collectors.filter((x) => x.applies)) {
          const f = c.fidelity;
          out.push(
            `${c.id.padEnd(11)} ${(c.available ? 'yes' : 'NO').padEnd(6)} ${yesNo(f.process_exec)}  ${yesNo(f.process_args)}  ${yesNo(f.network)} ${yesNo(
              f.network_attribution,
            )}  ${yesNo(f.library_loads)}  ${c.available ? c.description : (c.reason ?? '')}`,
          );
          if (!c.available && c.fix) out.push(`            fix: ${c.fix}`);
          for (const b of c.available ? c.blind_spots : []) out.push(`            blind spot: ${b}`);
        }
        const other = collectors.filter((x) => !x.applies).map((x) => x.id);
        if (other.length) out.push('', `not for this OS: ${other.join(', ')}`);
        const best = collectors.find((c) => c.applies && c.available);
        out.push('', best ? `purple run will use: ${best.id} (override with --collector)` : 'no collector is available: see the fixes above');
        for (const v of prereqs ?? []) {
          out.push('', `variant ${v.variant_id}: ${v.prerequisites.every((p) => p.present !== false) ? 'prerequisites present' : 'prerequisites MISSING'}`);
          for (const p of v.prerequisites) {
            out.push(`  ${p.present === true ? 'ok     ' : p.present === false ? 'MISSING' : 'at run '} ${p.kind} ${p.name}`);
            if (p.install) out.push(`          install: ${p.install}`);
          }
        }
        process.stdout.write(out.join('\n') + '\n');
        return missing ? 1 : 0;
      }),
    );
}
