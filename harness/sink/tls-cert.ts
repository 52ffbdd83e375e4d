// A throwaway self-signed certificate for the sink's TLS listener (openssl s_client uploads).
// Made per run with the openssl binary; without openssl the TLS listener is simply absent.

import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function makeSelfSignedCert(dir: string, openssl = 'openssl'): Promise<{ key: Buffer; cert: Buffer } | { error: string }> {
  const keyPath = join(dir, 'tls-key.pem');
  const certPath = join(dir, 'tls-cert.pem');
  const r = await execa(
    openssl,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { reject: false, stdin: 'ignore', timeout: 20_000, env: { OPENSSL_CONF: '/dev/null' }, extendEnv: true },
  );
  if (r.failed || r.exitCode !== 0) return { error: `openssl req failed: ${String(r.stderr || r.shortMessage).split('\n')[0] ?? ''}` };
  return { key: await readFile(keyPath), cert: await readFile(certPath) };
}
