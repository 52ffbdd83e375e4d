// `--control SPEC` / `purple alerts --from SPEC`: KIND[:TARGET][,key=value…]. Credentials are never
// options: they come from the environment or a file the environment names (credentials.ts).

import { PurpleError } from '../../model/index.js';

export type ControlKind = 'file' | 'webhook' | 'elastic-pull' | 'splunk-pull';

export interface ControlSpec {
  /** Unique name in the report (name=…, else the kind, numbered when repeated). */
  name: string;
  kind: ControlKind;
  /** file: the path; pulls: the base URL (else from the environment). */
  target?: string;
  options: Record<string, string>;
  /** The spec as the user wrote it, for messages. */
  text: string;
}

const ALIASES: Record<string, ControlKind> = {
  file: 'file',
  webhook: 'webhook',
  'elastic-pull': 'elastic-pull',
  elastic: 'elastic-pull',
  kibana: 'elastic-pull',
  'splunk-pull': 'splunk-pull',
  splunk: 'splunk-pull',
};

/** Options each kind accepts (an unknown one is a typo, not silently ignored). */
const OPTIONS: Record<ControlKind, readonly string[]> = {
  file: ['name', 'format', 'map', 'csv'],
  webhook: ['name', 'format', 'bind', 'port', 'tls-cert', 'tls-key', 'max-body', 'max-alerts', 'url-file'],
  'elastic-pull': ['name', 'url', 'index', 'api', 'space', 'ca', 'query', 'page-size'],
  'splunk-pull': ['name', 'url', 'search', 'ca', 'page-size'],
};

const SECRET_OPTIONS = /^(api[-_]?key|token|password|secret|auth|credentials?)$/i;

export const CONTROL_KINDS = Object.keys(ALIASES);

export function parseControlSpec(text: string): ControlSpec {
  const [head = '', ...rest] = text.split(',');
  const colon = head.indexOf(':');
  const kindText = (colon < 0 ? head : head.slice(0, colon)).trim();
  const kind = ALIASES[kindText];
  if (!kind) {
    throw new PurpleError('UNKNOWN_ID', `unknown control source "${kindText}" in --control ${text}`, {
      hint: `valid sources: ${Object.keys(ALIASES).join(', ')} (e.g. --control file:alerts.json,format=crowdstrike, --control webhook, --control elastic)`,
    });
  }
  const target = colon < 0 ? undefined : head.slice(colon + 1).trim() || undefined;
  const options: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? 'true' : part.slice(eq + 1).trim();
    if (!key) continue;
    if (SECRET_OPTIONS.test(key)) {
      throw new PurpleError('BAD_INPUT', `--control ${kindText}: credentials are not taken on the command line (${key}=…)`, {
        hint: 'set them in the environment (docs/controls.md: PURPLE_ELASTIC_API_KEY, PURPLE_SPLUNK_TOKEN, or *_FILE naming a file)',
      });
    }
    if (!OPTIONS[kind].includes(key)) {
      throw new PurpleError('BAD_INPUT', `--control ${kindText}: unknown option "${key}"`, { hint: `${kind} takes: ${OPTIONS[kind].join(', ')}` });
    }
    options[key] = value;
  }
  if (kind === 'file' && !target) throw new PurpleError('BAD_INPUT', `--control ${text}: a file source needs a path`, { hint: 'e.g. --control file:exports/defender-alerts.json,format=defender' });
  const url = options['url'] ?? (kind !== 'file' ? target : undefined);
  if (url) checkUrl(url, text);
  return { name: options['name'] ?? kindText, kind, ...(target ? { target } : {}), options, text };
}

function checkUrl(url: string, spec: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PurpleError('BAD_INPUT', `--control ${spec}: "${url}" is not a URL`, { hint: 'e.g. https://es.example.net:9200' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PurpleError('BAD_INPUT', `--control ${spec}: only http and https URLs`, { hint: 'e.g. https://es.example.net:9200' });
  if (u.username || u.password) {
    throw new PurpleError('BAD_INPUT', `--control ${spec}: the URL carries credentials`, { hint: 'remove user:password@ from the URL and set the API key or token in the environment' });
  }
}

/** Names unique in the report: a repeated kind becomes webhook, webhook-2, … */
export function parseControlSpecs(texts: readonly string[]): ControlSpec[] {
  const specs = texts.map(parseControlSpec);
  const seen = new Map<string, number>();
  for (const s of specs) {
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    if (n > 1) {
      if (s.options['name']) throw new PurpleError('BAD_INPUT', `two control sources are named "${s.name}"`, { hint: 'give each a different name=' });
      s.name = `${s.name}-${n}`;
    }
  }
  return specs;
}
