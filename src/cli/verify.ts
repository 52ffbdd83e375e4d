// purple verify DIR: check an evidence bundle's hashes and Ed25519 signature.

import type { Command } from 'commander';
import { EXIT_EXPECTATION_FAILED, EXIT_OK, action } from './common.js';

export function register(program: Command): void {
  program
    .command('verify')
    .description('check an evidence bundle: every file against manifest.json (SHA-256) and the Ed25519 signature; says exactly what was altered')
    .argument('<dir>', 'a run folder with manifest.json and manifest.sig.json')
    .option('-k, --key <public-key>', "the signer's public key (purple-signing.pub); without it the key embedded in the bundle is used")
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      `
Examples:
  purple verify reports/20261129T100000Z-lab
  purple verify reports/20261129T100000Z-lab --key keys/purple-signing.pub
  purple verify fleet/ --json

Without --key the check proves the bundle is unchanged since it was signed, not who signed it;
pass the signer's public key to pin the signer.
Exit codes: 0 valid, 1 altered (changed, missing or extra files, bad or wrong-key signature),
2 not a bundle or unreadable key.`,
    )
    .action(
      action(async (dir: string, opts: { key?: string; json?: boolean }) => {
        const { describeBundleCheck, readKeyFile, verifyBundle } = await import('../report/index.js'); // loaded on use: fast --help
        const pub = opts.key ? await readKeyFile(opts.key, 'public') : undefined;
        const check = await verifyBundle(dir, pub);
        process.stdout.write(opts.json ? JSON.stringify(check, null, 2) + '\n' : describeBundleCheck(check));
        return check.valid ? EXIT_OK : EXIT_EXPECTATION_FAILED;
      }),
    );
}
