// The one list of Chromium switches every browser the project starts uses (the browser negative
// control, the Playwright tests, `npm run example`): nothing but loopback is ever addressed.
//   - every host name resolves to "not found" except localhost (and the 127.0.0.1 literal), so no
//     DNS query reaches the host resolver and no resolution starts the IPv6 reachability probe
//     (a UDP connect to a public resolver address);
//   - no DNS prefetch, no built-in async DNS client, no DNS-over-HTTPS, no QUIC;
//   - no background networking (component, variations, safe-browsing, translate, sync, update
//     checks), no hyperlink-auditing pings, no first-run tasks, no crash upload.
// Playwright's launch() gives each browser a fresh temporary profile (user-data-dir).
// test/egress/egress-watch.ts checks with the kernel's audit that these hold.

export const CHROMIUM_NETWORK_FLAGS = Object.freeze([
  '--host-resolver-rules=MAP * 127.0.0.1:9, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  '--dns-prefetch-disable',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-field-trial-config',
  '--metrics-recording-only',
  '--no-pings',
  '--no-first-run',
  '--no-default-browser-check',
  '--no-service-autorun',
  // Services Chromium calls even with background networking off (update2 checks, Gaia
  // ListAccounts): pointed at a closed loopback port, so their host names are never resolved.
  '--component-updater=url-source=http://127.0.0.1:9/',
  '--gaia-url=http://127.0.0.1:9',
  '--lso-url=http://127.0.0.1:9',
  '--google-apis-url=http://127.0.0.1:9',
  '--disable-features=AsyncDns,DnsOverHttps,DnsOverHttpsUpgrade,UseDnsHttpsSvcb,NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,DialMediaRouteProvider,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions',
]);

/** The switches for a headless Chromium run by the project (sandbox off: root in CI). */
export function chromiumArgs(extra = []) {
  return ['--no-sandbox', '--disable-gpu', ...CHROMIUM_NETWORK_FLAGS, ...extra];
}
