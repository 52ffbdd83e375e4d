// The control marker: the run and variant ids placed where an EDR or SIEM records them anyway, so
// the team's own control's alert can be tied to the variant that caused it without changing what
// the emulation does. The variant part is the neutral folder name (v-<12 hex>), never the variant
// id itself: an id such as `openssl-curl/enc-aes-256-cbc…` on a curl command line would let a rule
// pattern (`*openssl*enc*`) match the marker instead of the behaviour.

import { variantDirName } from './workspace.js';

/** `purple-<run-id>/v-<12 hex>`: the one marker string of a variant. */
export function variantMarker(runId: string, variantId: string): string {
  return `purple-${runId}/${variantDirName(variantId)}`;
}

/** The User-Agent a tool sends when the emulation can set one (curl -A, urllib headers). */
export function markerUserAgent(runId: string, variantId: string): string {
  return `purple-harness/1 (${variantMarker(runId, variantId)})`;
}

/** The upload URL with the marker as a query parameter (the sink routes on the path only). */
export function withMarkerQuery(url: string, runId: string, variantId: string): string {
  if (!url) return url;
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}purple_marker=${encodeURIComponent(variantMarker(runId, variantId)).replace(/%2F/g, '/')}`;
}
