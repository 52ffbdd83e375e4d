// Small builders for harness tests: inline variants that follow the emulation contract.

import type { Variant } from '../../src/model/index.js';

export function makeVariant(id: string, steps: Variant['steps'], extra: Partial<Variant> = {}): Variant {
  const [scenario_id = 'test', name = id] = id.split('/');
  return {
    id,
    scenario_id,
    name,
    description: 'test variant',
    platforms: ['linux', 'macos'],
    expect: 'positive',
    axes: { interpreter: 'sh', encryption: 'none', upload: 'none', lineage: 'none', delay_s: 0, masquerade: false },
    requires: [],
    steps,
    timeout_s: 30,
    attack: { techniques: ['T1048.001'] },
    cipher: 'none',
    source: { file: 'inline.yaml', line: 1 },
    ...extra,
  };
}

let n = 0;
/** A run id unique to this test process. */
export function testRunId(tag: string): string {
  return `t-${tag}-${process.pid}-${Date.now().toString(36)}-${++n}`;
}
