#!/usr/bin/env node
// purple: the CLI. One file per verb; each exports register(program); verbs.ts lists them in order.

import { Command, Option } from 'commander';
import { VERB_SUMMARY } from './verb-summary.js';
import { EXIT_BAD_INPUT, packageVersion } from './common.js';

function createProgram(): Command {
  return new Command()
    .name('purple')
    .description(
      'purple-harness: emulate AES-encrypt-then-upload (MITRE DET0503 / T1048.001), capture real telemetry,\n' +
        'run EQL and Sigma detections over it, and report coverage for people, CI and auditors.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Usage errors (unknown verb or option, missing argument) are bad input: exit 2, never 1, which
    // means "an expectation failed" to CI. Verbs registered later inherit this.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_BAD_INPUT))
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
}

/**
 * Registers only the verb being run when its file (./<verb>.js, one file per verb) registers it, so
 * `purple detect` does not load the harness that `purple run` needs. Anything else (top-level help,
 * `help <verb>`, an unknown word) falls back to the full registry in verbs.ts.
 */
async function registerOnly(program: Command, verb: string | undefined): Promise<boolean> {
  if (verb === undefined || verb === 'main' || verb === 'verbs' || !/^[a-z][a-z0-9-]*$/.test(verb)) return false;
  let mod: { register?: unknown };
  try {
    mod = (await import(`./${verb}.js`)) as { register?: unknown };
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return false; // not a verb file; the full registry decides
    throw e;
  }
  if (typeof mod.register !== 'function') return false;
  (mod.register as (p: Command) => void)(program);
  return program.commands.some((c) => c.name() === verb);
}

// A reader that stops early (`purple detect … | head`) is not an error worth a stack trace: stop
// quietly, as other command-line tools do, with the exit code the verb had set so far.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

/** Top-level help lists the verbs from a static table, so it loads no verb's code. */
function registerSummaries(program: Command): void {
  for (const v of VERB_SUMMARY) {
    program
      .command(v.args ? `${v.name} ${v.args}` : v.name)
      .description(v.description)
      .addOption(new Option('--options').hideHelp()); // shows "[options]" as the real verbs do
  }
}

const argv = process.argv;
const first = argv[2];
let program = createProgram();
if (first === undefined || first === '-h' || first === '--help') {
  registerSummaries(program);
} else if (first === 'help' && argv[3] !== undefined && (await registerOnly(program, argv[3]))) {
  // `purple help <verb>`: that verb only
} else if (first !== '-V' && first !== '--version' && !(await registerOnly(program, first))) {
  program = createProgram();
  const { VERBS } = await import('./verbs.js');
  for (const register of VERBS) register(program);
}
await program.parseAsync(argv);
