// rules/config/det0503.yaml → DetectorConfig: nested maps of string lists flattened to dotted
// names (`EncryptionRoutinePattern: {command_line: […]}` → `EncryptionRoutinePattern.command_line`),
// which rules reference with ${Name} placeholders.

import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import { PurpleError } from '../model/index.js';
import type { DetectorConfig } from './types.js';

export function parseDetectorConfig(yamlText: string, file: string): DetectorConfig {
  const lc = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lc, prettyErrors: false });
  const at = (n: { range?: [number, number, number] | null } | null | undefined): { line?: number; column?: number } => {
    if (!n?.range) return {};
    const p = lc.linePos(n.range[0]);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    throw new PurpleError('PARSE', `not valid YAML: ${e.message.split('\n')[0]}`, { location: { file, line: p.line, column: p.col }, hint: 'fix the YAML syntax (indentation, quotes)' });
  }
  const lists: Record<string, string[]> = {};
  const scalarText = (n: Node, name: string): string => {
    if (!isScalar(n) || n.value === null || typeof n.value === 'object') {
      throw new PurpleError('BAD_INPUT', `${name}: every value must be a string or number`, { location: { file, ...at(n) }, hint: 'write one pattern per list item, e.g. - "*openssl* enc *"' });
    }
    return String(n.value);
  };
  const walk = (n: Node | null, prefix: string): void => {
    if (n === null || (isScalar(n) && n.value === null)) {
      if (prefix) lists[prefix] = [];
      return;
    }
    if (isMap(n)) {
      for (const pair of n.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : null;
        if (!key || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) {
          throw new PurpleError('BAD_INPUT', `bad setting name ${JSON.stringify(key)}`, { location: { file, ...at(pair.key as Node) }, hint: 'names are letters, digits, _ and -' });
        }
        walk(pair.value as Node | null, prefix ? `${prefix}.${key}` : key);
      }
      return;
    }
    if (!prefix) throw new PurpleError('BAD_INPUT', 'the detector configuration must be a map of named lists', { location: { file, ...at(n) } });
    if (isSeq(n)) {
      lists[prefix] = n.items.map((item) => scalarText(item as Node, prefix));
      return;
    }
    lists[prefix] = [scalarText(n, prefix)];
  };
  walk(doc.contents as Node | null, '');
  return { lists };
}
