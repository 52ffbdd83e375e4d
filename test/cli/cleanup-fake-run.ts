// A stand-in for a harness that crashed mid-run, for test/cli/cleanup.test.ts: it records, through
// the harness's own state API, a workspace, a temp path and a process group (a detached `sleep`
// carrying the run's PURPLE_RUN_ID marker), then exits without cleaning anything up.
// Usage: node --import tsx test/cli/cleanup-fake-run.ts RUN-ID STATE-DIR

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { RunStateFile, workspacePath } from '../../harness/index.js';

const [runId, stateDir] = process.argv.slice(2) as [string, string];
const ws = workspacePath(runId);
const state = await RunStateFile.create({ runId, hostName: 'cleanup-test', workspace: ws, stateDir });
mkdirSync(ws, { recursive: true });
writeFileSync(`${ws}/payload.txt`, 'canary\n');
const artifact = `/tmp/purple-cleanup-artifact-${runId}`;
writeFileSync(artifact, 'left behind\n');
await state.recordArtifact('path', artifact, 'cleanup-test');
const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { ...process.env, PURPLE_RUN_ID: runId } });
await state.recordProcess(child.pid!, 'cleanup-test', 'fake/variant');
child.unref();
await state.settled();
process.stdout.write(`${child.pid}\n`);
