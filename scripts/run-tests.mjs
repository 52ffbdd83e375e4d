#!/usr/bin/env node
// Runs every *.test.ts under test/ with Node's own test runner (Node 20 has no glob support in
// --test), loading TypeScript through tsx. Extra arguments are passed on (e.g. a file filter).
// Without a filter, the browser tests (Playwright, test/browser) run afterwards in Debian's
// Chromium; set PURPLE_SKIP_BROWSER=1 to leave them out on a machine without /usr/bin/chromium.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'browser' || name === 'fixtures') continue; // Playwright owns test/browser
      out.push(...findTests(p));
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
let files = findTests('test').sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (!files.length) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...flags, ...files], {
  stdio: 'inherit',
});
let status = r.status ?? 1;
if (!filter.length) {
  if (process.env.PURPLE_SKIP_BROWSER === '1') {
    console.log('\nbrowser tests skipped (PURPLE_SKIP_BROWSER=1)');
  } else if (!existsSync('/usr/bin/chromium')) {
    console.error('\nbrowser tests need Debian\'s Chromium at /usr/bin/chromium: apt-get install -y chromium (or set PURPLE_SKIP_BROWSER=1)');
    status = status || 1;
  } else {
    console.log('\nbrowser tests (Playwright, /usr/bin/chromium):');
    const b = spawnSync(process.execPath, [join('node_modules', '@playwright', 'test', 'cli.js'), 'test'], { stdio: 'inherit' });
    status = status || (b.status ?? 1);
  }
}
process.exit(status);
