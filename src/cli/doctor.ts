// purple doctor: which collectors can run here, what each sees, and the exact fix for what is missing.

import type { Command } from 'commander';
import type { CollectorAvailability } from '../model/index.js';
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

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no ';
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check which telemetry collectors can run on this host, with what fidelity, and how to fix what is missing')
    .option('--json', 'machine-readable output for CI')
    .addHelpText(
      'after',
      `
Fidelity columns: exec = process executions, args = full argv, net = outbound connections,
attr = connections attributed to a process, libs = crypto library loads.

Examples:
  purple doctor                      table of collectors and fixes
  sudo purple doctor                 as root (audit, eslogger and PKTAP need it)
  purple doctor --json > doctor.json for a CI step`,
    )
    .action(
      action(async (opts: { json?: boolean }) => {
        const { host, collectors } = await probeCollectors();
        if (opts.json) {
          process.stdout.write(JSON.stringify({ host, collectors }, null, 2) + '\n');
          return 0;
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
        process.stdout.write(out.join('\n') + '\n');
        return 0;
      }),
    );
}
