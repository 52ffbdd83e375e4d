// The registry of file formats `purple report` and `purple run` write: id → file name and renderer.

import { PurpleError, type RunReport } from '../model/index.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderNavigatorLayer } from './navigator.js';

export interface ReportFormat {
  id: string;
  file: string;
  description: string;
  render(report: RunReport): string;
}

export const REPORT_FORMATS: Readonly<Record<string, ReportFormat>> = {
  json: { id: 'json', file: 'report.json', description: 'the run as data (schemas/report.schema.json)', render: (r) => JSON.stringify(r, null, 2) + '\n' },
  html: { id: 'html', file: 'index.html', description: 'self-contained coverage report for people', render: (r) => renderHtml(r) },
  junit: { id: 'junit', file: 'junit.xml', description: 'JUnit XML for CI test tabs', render: renderJunit },
  md: { id: 'md', file: 'summary.md', description: 'Markdown summary (GitHub job summary)', render: renderMarkdown },
  navigator: { id: 'navigator', file: 'navigator-layer.json', description: 'ATT&CK Navigator layer (format 4.5)', render: (r) => JSON.stringify(renderNavigatorLayer(r), null, 2) + '\n' },
};

export const DEFAULT_FORMATS = ['json', 'html', 'junit', 'md', 'navigator'];

/** Parses `--format html,junit`; an unknown id lists the valid ones. */
export function parseFormats(list: string): ReportFormat[] {
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!ids.length) throw new PurpleError('BAD_INPUT', 'no format given', { hint: `use --format with one or more of: ${Object.keys(REPORT_FORMATS).join(', ')}` });
  return [...new Set(ids)].map((id) => {
    const f = REPORT_FORMATS[id];
    if (!f) throw new PurpleError('UNKNOWN_ID', `unknown report format "${id}"`, { hint: `valid formats: ${Object.keys(REPORT_FORMATS).join(', ')}` });
    return f;
  });
}
