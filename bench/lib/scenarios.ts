// What the dataset generator plants, and what each planted scenario must make the two rule packs
// report. The expected alert counts of a dataset are computed from this table and the number of
// scenarios of each kind that were planted — never by running a detector.
//
// Why each number (EQL pack rules/eql, Sigma pack rules/sigma, both with rules/config/det0503.yaml):
// every pack has, per OS, five correlations of "encryption routine, then outbound connection from a
// non-baselined app", keyed same-process (host+process), parent-child (encrypting process = parent
// of the uploader), child-parent (the reverse), siblings (same parent process) and same-user-host.
// The windows (EQL maxspan, Sigma timespan) are both 60 s; only the EQL pack excludes multicast and
// broadcast destinations. A scenario's processes: Q a shell of the scenario user, P/C/A/B its children as described.

export type ScenarioKind =
  | 'same-process'
  | 'parent-child'
  | 'child-parent'
  | 'siblings'
  | 'same-user-host'
  | 'near-window'
  | 'near-browser'
  | 'near-excluded-destination'
  | 'near-ingress'
  | 'near-no-upload'
  | 'near-fork';

export type Strength = 'same-process' | 'parent-child' | 'siblings' | 'same-user-host';

export interface ScenarioSpec {
  kind: ScenarioKind;
  description: string;
  /** Planted per million events. */
  perMillion: number;
  /** Alerts per join strength the EQL pack must raise for one such scenario. */
  eql: Partial<Record<Strength, number>>;
  /** Same for the Sigma pack (it has no destination exclusions). */
  sigma: Partial<Record<Strength, number>>;
}

/** Encrypt and upload in one process P: the same-process, siblings (P's parent) and same-user-host rules fire. */
const SAME_PROCESS = { 'same-process': 1, siblings: 1, 'same-user-host': 1 } as const;

export const SCENARIOS: readonly ScenarioSpec[] = [
  { kind: 'same-process', description: 'P encrypts (AES command line or crypto library load), P connects out within 55 s', perMillion: 100, eql: SAME_PROCESS, sigma: SAME_PROCESS },
  {
    kind: 'parent-child',
    description: 'P encrypts, its child C (curl) connects out',
    perMillion: 100,
    eql: { 'parent-child': 1, 'same-user-host': 1 },
    sigma: { 'parent-child': 1, 'same-user-host': 1 },
  },
  {
    kind: 'child-parent',
    description: "C (openssl enc / gpg --symmetric) encrypts, its parent P connects out",
    perMillion: 100,
    eql: { 'parent-child': 1, 'same-user-host': 1 },
    sigma: { 'parent-child': 1, 'same-user-host': 1 },
  },
  { kind: 'siblings', description: 'A encrypts, its sibling B (same parent Q) connects out', perMillion: 100, eql: { siblings: 1, 'same-user-host': 1 }, sigma: { siblings: 1, 'same-user-host': 1 } },
  { kind: 'same-user-host', description: 'A encrypts, an unrelated process B of the same user on the same host connects out', perMillion: 100, eql: { 'same-user-host': 1 }, sigma: { 'same-user-host': 1 } },
  { kind: 'near-window', description: 'same-process, but the connection comes 61–590 s later: outside both windows (EQL maxspan 60s, Sigma timespan 60s)', perMillion: 160, eql: {}, sigma: {} },
  { kind: 'near-browser', description: 'P encrypts, then a browser of the same user (ApplicationProfileBaseline) connects out', perMillion: 80, eql: {}, sigma: {} },
  {
    kind: 'near-excluded-destination',
    description: 'same-process, to a multicast/broadcast destination: excluded by the EQL pack (excluded_destinations); the Sigma pack has no such exclusion',
    perMillion: 80,
    eql: {},
    sigma: SAME_PROCESS,
  },
  { kind: 'near-ingress', description: 'P encrypts, then accepts an inbound connection', perMillion: 60, eql: {}, sigma: {} },
  { kind: 'near-no-upload', description: 'encryption only (a backup job), no connection', perMillion: 60, eql: {}, sigma: {} },
  { kind: 'near-fork', description: 'a fork event carrying an AES command line (not an exec), then the process connects out', perMillion: 60, eql: {}, sigma: {} },
];

export const STRENGTHS: readonly Strength[] = ['same-process', 'parent-child', 'siblings', 'same-user-host'];

export interface Expected {
  total: number;
  by_strength: Record<Strength, number>;
}

export function expectedAlerts(planted: Partial<Record<ScenarioKind, number>>, pack: 'eql' | 'sigma'): Expected {
  const by = Object.fromEntries(STRENGTHS.map((s) => [s, 0])) as Record<Strength, number>;
  for (const spec of SCENARIOS) {
    const n = planted[spec.kind] ?? 0;
    for (const [s, k] of Object.entries(spec[pack]) as Array<[Strength, number]>) by[s] += n * k;
  }
  return { total: STRENGTHS.reduce((a, s) => a + by[s], 0), by_strength: by };
}
