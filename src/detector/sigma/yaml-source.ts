// YAML reading for Sigma files with source positions. The `yaml` package's YAML 1.2 core
// schema keeps `date: 2024-01-01` a string (the JSON Schemas expect strings), and its nodes
// carry offsets we turn into line/column for every error.

import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { PurpleError } from '../../model/index.js';

export interface YamlDoc {
  index: number;
  value: unknown;
  doc: Document.Parsed;
  /** 1-based line/column of the value (or key, with `key: true`) at a path inside the document. */
  locate(path: ReadonlyArray<string | number>, opts?: { key?: boolean }): { line: number; column: number } | undefined;
}

export function readYamlDocuments(text: string, file: string): YamlDoc[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, merge: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: YamlDoc[] = [];
  list.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err) {
      const pos = lc.linePos(err.pos[0]);
      throw new PurpleError('PARSE', `YAML: ${err.message.split('\n')[0]}`, {
        location: { file, line: pos.line, column: pos.col },
        hint: 'fix the YAML syntax at that position (indentation, quoting, duplicate keys)',
      });
    }
    if (doc.contents === null) return; // an empty document (e.g. a trailing '---')
    const pos = (offset: number | undefined): { line: number; column: number } | undefined => {
      if (offset === undefined) return undefined;
      const p = lc.linePos(offset);
      return { line: p.line, column: p.col };
    };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // The yaml package refuses alias bombs here (a ReferenceError): bad input, not a bug of ours.
      const at = pos(doc.contents.range?.[0]);
      throw new PurpleError('PARSE', `YAML: ${(e as Error).message}`, { location: { file, ...(at ?? {}) }, hint: 'expand fewer aliases (*name): a rule needs no alias bombs' });
    }
    out.push({
      index,
      value,
      doc,
      locate(path, opts = {}) {
        let node: unknown = doc.contents;
        let keyNode: unknown;
        for (const seg of path) {
          keyNode = undefined;
          if (isMap(node)) {
            const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
            if (!pair) return pos((node as YamlNode).range?.[0]);
            keyNode = pair.key;
            node = pair.value;
          } else if (isSeq(node) && typeof seg === 'number') {
            const item = node.items[seg];
            if (item === undefined) return pos((node as YamlNode).range?.[0]);
            node = item;
          } else break;
        }
        const target = opts.key && keyNode ? keyNode : node;
        return pos((target as YamlNode | undefined)?.range?.[0]);
      },
    });
  });
  return out;
}

/** Offset of the first character of a scalar's text (after an opening quote). */
export function scalarContentShift(doc: YamlDoc, path: ReadonlyArray<string | number>): number {
  const node = doc.doc.getIn(path as Array<string | number>, true);
  if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) return 1;
  return 0;
}
