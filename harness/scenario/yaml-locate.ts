// Maps a JSON pointer (ajv's instancePath) back to the line and column of the YAML node it names,
// so schema errors point at the offending line rather than at the file.

import { isMap, isSeq, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';

export interface SourcePos {
  line: number;
  column: number;
}

function decodePointer(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function childOf(node: unknown, key: string): { value: unknown; keyNode?: unknown } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return { value: item.value, keyNode: item.key };
    }
    return undefined;
  }
  if (isSeq(node)) {
    const i = Number(key);
    return Number.isInteger(i) ? { value: node.items[i] } : undefined;
  }
  return undefined;
}

function posOf(node: unknown, lc: LineCounter): SourcePos | undefined {
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  const p = lc.linePos(range[0]);
  return { line: p.line, column: p.col };
}

/**
 * Position of the node at `pointer`; with `property`, of that key inside it (for unknown-key errors).
 * Falls back to the nearest ancestor that exists (a missing required field points at its parent).
 */
export function locatePointer(doc: Document, lc: LineCounter, pointer: string, property?: string): SourcePos | undefined {
  let node: unknown = doc.contents;
  let best = posOf(node, lc);
  for (const part of decodePointer(pointer)) {
    const c = childOf(node, part);
    if (!c) return best;
    best = posOf(c.value, lc) ?? posOf(c.keyNode, lc) ?? best;
    node = c.value;
  }
  if (property !== undefined) {
    const c = childOf(node, property);
    if (c) return posOf(c.keyNode, lc) ?? best;
  }
  return best;
}
