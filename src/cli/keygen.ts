// purple keygen --out DIR: an Ed25519 key pair for signing evidence bundles.

import type { Command } from 'commander';
import { action } from './common.js';

export function register(program: Command): void {
  program
    .command('keygen')
    .description('create an Ed25519 key pair for signing evidence bundles (purple-signing.pem private, purple-signing.pub public)')
    .requiredOption('-o, --out <dir>', 'folder for the key files (created if needed)')
    .option('--force', 'replace a key pair already in the folder')
    .addHelpText(
      'after',
      `
Examples:
  purple keygen --out ~/.purple/keys
  purple run --sign ~/.purple/keys/purple-signing.pem
  purple verify reports/<run-id> --key ~/.purple/keys/purple-signing.pub

The private key is written with mode 0600. Keep it out of the repository; in CI store it as a
secret. Give auditors the .pub file and its fingerprint.`,
    )
    .action(
      action(async (opts: { out: string; force?: boolean }) => {
        const { writeKeyPair } = await import('../report/index.js'); // loaded on use: fast --help
        const r = await writeKeyPair(opts.out, opts.force ? { force: true } : {});
        process.stdout.write(`private key: ${r.privateKeyPath}\npublic key:  ${r.publicKeyPath}\nfingerprint: sha256:${r.fingerprint}\n`);
      }),
    );
}
