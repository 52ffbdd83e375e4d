// A small, strict XML 1.0 parser for tests: elements, attributes, text, CDATA, comments, the
// XML declaration and the five predefined entities plus character references. It throws on
// anything not well-formed (mismatched tags, bare '<' or '&', duplicate attributes, stray text
// outside the root), which is what the tests need to prove the reporters' XML is well-formed.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  return s.replace(/&([^;&<]*);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`bare '&' near offset ${at}`);
    if (ent in ENTITIES) return ENTITIES[ent]!;
    const num = /^#x([0-9a-fA-F]+)$/.exec(ent) ?? /^#([0-9]+)$/.exec(ent);
    if (num) {
      const cp = parseInt(num[1]!, ent.startsWith('#x') ? 16 : 10);
      if (cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)) return String.fromCodePoint(cp);
      throw new Error(`character reference ${m} is not allowed in XML near offset ${at}`);
    }
    throw new Error(`unknown entity ${m} near offset ${at}`);
  });
}

function checkChars(s: string, at: number): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(s);
  if (bad) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16)} is not allowed in XML near offset ${at + bad.index}`);
}

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  if (xml.startsWith('\ufeff')) i = 1;
  if (xml.startsWith('<?xml', i)) {
    const end = xml.indexOf('?>', i);
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) throw new Error(`unterminated comment at ${i}`);
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i);
      if (end < 0 || !stack.length) throw new Error(`bad CDATA at ${i}`);
      const text = xml.slice(i + 9, end);
      checkChars(text, i);
      stack.at(-1)!.text += text;
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const m = NAME.exec(xml.slice(i + 2));
      if (!m) throw new Error(`bad closing tag at ${i}`);
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`closing </${m[0]}> does not match <${open?.name ?? '(none)'}> at ${i}`);
      let j = i + 2 + m[0].length;
      while (/\s/.test(xml[j] ?? '')) j++;
      if (xml[j] !== '>') throw new Error(`bad closing tag at ${i}`);
      i = j + 1;
      if (!stack.length) root = open;
      continue;
    }
    if (xml[i] === '<') {
      const m = NAME.exec(xml.slice(i + 1));
      if (!m) throw new Error(`bad tag at ${i}`);
      if (root || (!stack.length && root)) throw new Error(`second root element at ${i}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      let j = i + 1 + m[0].length;
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(j))![0].length;
        j += ws;
        if (xml.startsWith('/>', j) || xml[j] === '>') break;
        if (!ws) throw new Error(`attributes must be separated by space at ${j}`);
        const an = NAME.exec(xml.slice(j));
        if (!an) throw new Error(`bad attribute at ${j}`);
        j += an[0].length;
        const eq = /^\s*=\s*/.exec(xml.slice(j));
        if (!eq) throw new Error(`attribute without value at ${j}`);
        j += eq[0].length;
        const q = xml[j];
        if (q !== '"' && q !== "'") throw new Error(`unquoted attribute at ${j}`);
        const end = xml.indexOf(q, j + 1);
        if (end < 0) throw new Error(`unterminated attribute at ${j}`);
        const raw = xml.slice(j + 1, end);
        if (raw.includes('<')) throw new Error(`'<' in attribute value at ${j}`);
        checkChars(raw, j);
        if (an[0] in el.attrs) throw new Error(`duplicate attribute ${an[0]} at ${j}`);
        el.attrs[an[0]] = decode(raw, j);
        j = end + 1;
      }
      if (stack.length) stack.at(-1)!.children.push(el);
      else if (root) throw new Error(`second root element at ${i}`);
      if (xml.startsWith('/>', j)) {
        i = j + 2;
        if (!stack.length) root = el;
      } else {
        stack.push(el);
        i = j + 1;
      }
      continue;
    }
    const next = xml.indexOf('<', i);
    const text = xml.slice(i, next < 0 ? xml.length : next);
    if (text.includes('>') && text.includes(']]>')) throw new Error(`']]>' in text at ${i}`);
    checkChars(text, i);
    if (stack.length) stack.at(-1)!.text += decode(text, i);
    else if (text.trim()) throw new Error(`text outside the root element at ${i}`);
    i = next < 0 ? xml.length : next;
  }
  if (stack.length) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** The parsed tree as plain JSON for JSON Schema validation: { name, attrs, text?, children }. */
export function toJson(el: XmlElement): unknown {
  const o: Record<string, unknown> = { name: el.name, attrs: el.attrs, children: el.children.map(toJson) };
  if (el.text.trim()) o['text'] = el.text;
  return o;
}
