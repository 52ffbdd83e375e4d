// GitHub Actions shows Markdown appended to the file $GITHUB_STEP_SUMMARY names on the job page.

import { appendFileSync } from 'node:fs';

/** Appends the summary when the variable is set; returns the file written, or undefined. */
export function writeStepSummary(md: string, env: Record<string, string | undefined>): string | undefined {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (!file) return undefined;
  appendFileSync(file, md.endsWith('\n') ? md : `${md}\n`);
  return file;
}
