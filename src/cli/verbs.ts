// The CLI's registry of verbs, in the order --help lists them.
import type { Command } from 'commander';

export const VERBS: Array<(program: Command) => void> = [];
