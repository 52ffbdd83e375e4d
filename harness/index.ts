// The harness runtime's public surface for the CLI. (The scenario catalogue is harness/scenario/.)

export { executeRun, planRun, findScenariosDir, checkExternalSink } from './run-lifecycle.js';
export { redact, redactArgv, redactRaw, REDACTED } from './redact.js';
export { writeFileAtomic } from './write-file-atomic.js';
export { cleanupRun, listRuns, readRunState, defaultStateDir, stateFilePath, RunStateFile } from './state.js';
export type { RunState, RunListing, RunStateArtifact, RunStateProcess } from './state.js';
export { readJournal, parseJournal, checkJournalEntry } from './journal.js';
export type { JournalRead, JournalProblem } from './journal.js';
export { launchVariant, emulationEnv, placeholderValues } from './launcher.js';
export type { LaunchContext, LaunchResult } from './launcher.js';
export { startSink, uploadUrl, websocketUrl, DEFAULT_SINK_LIMITS } from './sink/sink.js';
export type { Sink, SinkLimits, SinkOptions, SinkStats } from './sink/sink.js';
export { verifyUpload, CIPHER_IDS, isCipherId } from './sink/verify-upload.js';
export type { CipherId, UploadVerification } from './sink/verify-upload.js';
export { createRunWorkspace, removeWorkspace, workspacePath, variantFolderName, variantDirName, assertRunId } from './workspace.js';
export type { RunWorkspace, VariantWorkspace } from './workspace.js';
export { generateCanary, canaryMarker, parseCanaryMarker, CANARY_PREFIX } from './canary.js';
export { variantMarker, markerUserAgent, withMarkerQuery } from './marker.js';
export { generateRunSecrets } from './run-secrets.js';
export { resolveEmulationUser } from './emulation-user.js';
export { killProcessTree, findByEnvironMarker, findByEnvironMarkers, readProcessTable } from './process-tree.js';
export { acquireHostLock, defaultLockDir, lockPath, readLockOwner, removeRunLock, HOST_EXCLUSIVE_COLLECTORS } from './host-lock.js';
export type { HostLock, HostLockOwner } from './host-lock.js';
export { CONTRACT_PLACEHOLDERS, substituteArgv } from './placeholders.js';
export { createCommandRunner } from './command-runner.js';
export type * from './types.js';
export { findPython3, gitCommitOf } from './host-tools.js';
