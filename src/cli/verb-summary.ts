// The verb list of top-level help, kept light: it imports nothing.
/**
 * The verbs as top-level `purple --help` lists them, without loading any verb's code (loading all
 * of them costs ~250 ms). test/cli/verbs.test.ts checks this table against the real registrations.
 */
export const VERB_SUMMARY: ReadonlyArray<{ name: string; args: string; description: string }> = [
  { name: 'run', args: '', description: 'run the DET0503 emulations under real telemetry collectors, detect, score and write the report folder' },
  { name: 'list', args: '', description: 'show the scenario catalogue: every variant, what it expects, its ATT&CK techniques, and whether it can run on this host' },
  { name: 'show', args: '<variant...>', description: 'show one variant in full: the commands each step runs (placeholders filled), expectation, known gap, axes, ATT&CK, prerequisites with install hints' },
  { name: 'validate', args: '[paths...]', description: 'check scenario files, EQL and Sigma rule files and detector configuration; every problem as file:line:column with a hint' },
  { name: 'test', args: '[paths...]', description: 'run the test cases rule files carry (events that must and must not make each rule fire); table, JUnit, exit 1 on a failing case' },
  { name: 'cleanup', args: '[run-id]', description: 'undo what a crashed or interrupted run left behind (processes, audit rules, namespaces, workspace), from its state file' },
  { name: 'doctor', args: '', description: 'check which telemetry collectors can run on this host, with what fidelity, and how to fix what is missing' },
  { name: 'detect', args: '', description: 'run the detector (EQL and Sigma rules) over exported telemetry: NDJSON from a file or stdin, streamed in constant memory' },
  { name: 'rescore', args: '<run-dir>', description: "re-run detection and scoring over a recorded run's telemetry with other (or the same) rules, without running an emulation; the new report names both rule sets" },
  { name: 'report', args: '<run-dir>', description: 're-render the reports of a run folder (HTML, JUnit, Markdown, ATT&CK Navigator layer, JSON) from its report.json' },
  { name: 'alerts', args: '<run-dir>', description: "attach the team's own EDR/SIEM alerts to a finished run and re-render its reports" },
  { name: 'merge', args: '<run-dirs...>', description: 'join runs from many hosts (e.g. a CI matrix of macOS and Linux runners) into one fleet report with per-host and overall coverage' },
  { name: 'verify', args: '<dir>', description: 'check an evidence bundle: every file against manifest.json (SHA-256) and the Ed25519 signature; says exactly what was altered' },
  { name: 'keygen', args: '', description: 'create an Ed25519 key pair for signing evidence bundles (purple-signing.pem private, purple-signing.pub public)' },
];
