import { execFileSync } from 'node:child_process';
import { chromiumArgs } from '../../scenarios/browser/chromium-flags.mjs';
try { execFileSync('/usr/bin/chromium', [...chromiumArgs(['--headless']), '--user-data-dir=/tmp/chr-nl-' + Date.now(), '--log-net-log=/tmp/netlog.json', '--net-log-capture-mode=Everything', '--dump-dom', 'file:///etc/hostname'], { stdio: 'ignore', timeout: 30000 }); } catch (e) { console.log(e.message.slice(0, 200)); }
