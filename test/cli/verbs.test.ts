// Top-level help lists the verbs from a static table (so it loads no verb's code): the table must
// say exactly what the verbs themselves register.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, Help } from 'commander';
import { VERBS } from '../../src/cli/verbs.js';
import { VERB_SUMMARY } from '../../src/cli/verb-summary.js';

test('the help table matches every verb: name, arguments, description, order', () => {
  const program = new Command();
  for (const register of VERBS) register(program);
  const real = program.commands.map((c) => ({ term: new Help().subcommandTerm(c), description: c.description() }));
  const table = VERB_SUMMARY.map((v) => ({ term: `${v.name} [options]${v.args ? ` ${v.args}` : ''}`, description: v.description }));
  assert.deepEqual(table, real);
});
