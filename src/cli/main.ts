#!/usr/bin/env node
// purple: the CLI. One file per verb; each exports register(program).

import { Command } from 'commander';
import { packageVersion } from './common.js';
import { VERBS } from './verbs.js';

const program = new Command();
program
  .name('purple')
  .description(
    'purple-harness: emulate AES-encrypt-then-upload (MITRE DET0503 / T1048.001), capture real telemetry,\n' +
      'run EQL and Sigma detections over it, and report coverage for people, CI and auditors.',
  )
  .version(packageVersion(), '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Exit codes: 0 all expectations met, 1 an expectation failed, 2 bad input or environment.

Examples:
  purple run                          run the default DET0503 set with the best collector
  purple list                         show scenarios and their variants
  purple detect --events x.ndjson     run the shipped rules over exported telemetry
  purple validate                     check scenario and rule files`,
  );

for (const register of VERBS) register(program);

await program.parseAsync(process.argv);
