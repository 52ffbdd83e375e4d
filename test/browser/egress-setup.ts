// Playwright global setup: the egress watch (test/egress/egress-watch.ts) runs for the whole
// browser test run, and the run fails if any process on the host addressed anything outside
// loopback and the project's namespaces meanwhile (naming the process and the address).
import { describeViolations, egressViolations, isChromiumIpv6Probe, startEgressWatch } from '../egress/egress-watch.js';

export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  const started = await startEgressWatch();
  if ('skipped' in started) {
    console.log(`egress watch skipped: ${started.skipped}`);
    return undefined;
  }
  return async () => {
    const records = await started.watch.stop();
    const bad = egressViolations(records);
    if (bad.length) throw new Error(`egress watch: ${describeViolations(bad)}`);
    const probes = records.filter(isChromiumIpv6Probe).length;
    if (probes) console.log(`egress watch: ${probes} Chromium IPv6 reachability probe connect(s) to [2001:4860:4860::8888]:443 tolerated (no switch turns them off; see docs/safety.md)`);
    console.log(`egress watch: ${records.length} IPv4/IPv6 destinations recorded, all loopback or the project's namespaces`);
  };
}
