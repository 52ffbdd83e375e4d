// One linear-time matcher for a large list of plain values: does a text contain any of them,
// start with any, end with any, or equal any? A rule with 100,000 values would otherwise test
// them one by one against every event (100,000 × the text length per event). Here:
//   - contains: an Aho–Corasick automaton, one pass over the text whatever the number of values;
//   - startswith / endswith: a trie walked from the text's start / a trie of the reversed values
//     walked from its end (at most the text's length);
//   - exact: a hash set.
// Matching is by UTF-16 code unit, as String.prototype.includes/startsWith/endsWith are; case
// folding is the caller's (fold the values and the text the same way). Pure: no I/O, no clock.

export interface PatternLists {
  contains?: readonly string[];
  prefixes?: readonly string[];
  suffixes?: readonly string[];
  exact?: readonly string[];
}

/**
 * A trie in compact form: node n's edges are edgeChar/edgeNode[first[n] .. first[n+1]), sorted by
 * character, so a 100,000-value list costs a few typed arrays rather than a Map per node.
 */
class Trie {
  readonly first: Int32Array;
  readonly edgeChar: Uint16Array;
  readonly edgeNode: Int32Array;
  /** 1 when a value ends at this node (for Aho–Corasick: at this node or a suffix of it). */
  readonly terminal: Uint8Array;
  /** The root's edges as a direct table: most steps of a scan restart at the root. */
  private readonly rootNext: Int32Array;
  readonly nodes: number;

  constructor(values: Iterable<string>, reversed: boolean) {
    // Insert the values in sorted order: each shares its longest common prefix with the one
    // before, so the path so far is a stack (no map per node), and every node's children are
    // created in increasing character order (the edge lists come out sorted).
    const keys = [...new Set(reversed ? [...values].map(reverseUnits) : values)].sort();
    const parents: number[] = [];
    const chars: number[] = [];
    const ends: number[] = [];
    const path: number[] = [0]; // path[d]: node at depth d of the previous key
    let prev = '';
    let count = 1;
    for (const v of keys) {
      let d = 0;
      while (d < v.length && d < prev.length && v.charCodeAt(d) === prev.charCodeAt(d)) d++;
      path.length = d + 1;
      for (let i = d; i < v.length; i++) {
        parents.push(path[i]!);
        chars.push(v.charCodeAt(i));
        path.push(count++);
      }
      ends.push(path[v.length]!);
      prev = v;
    }
    this.nodes = count;
    const first = new Int32Array(count + 1);
    for (const p of parents) first[p + 1]!++;
    for (let n = 0; n < count; n++) first[n + 1]! += first[n]!;
    const fill = first.slice(0, count);
    const edgeChar = new Uint16Array(parents.length);
    const edgeNode = new Int32Array(parents.length);
    // Child ids are parents' index + 1: edge k creates node k + 1.
    for (let k = 0; k < parents.length; k++) {
      const at = fill[parents[k]!]!++;
      edgeChar[at] = chars[k]!;
      edgeNode[at] = k + 1;
    }
    this.first = first;
    this.edgeChar = edgeChar;
    this.edgeNode = edgeNode;
    this.terminal = new Uint8Array(count);
    for (const e of ends) this.terminal[e] = 1;
    this.rootNext = new Int32Array(65536).fill(-1);
    for (let k = first[0]!; k < first[1]!; k++) this.rootNext[edgeChar[k]!] = edgeNode[k]!;
  }

  /** The child of node by character c, or -1. */
  step(node: number, c: number): number {
    if (node === 0) return this.rootNext[c]!;
    let lo = this.first[node]!;
    let hi = this.first[node + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.edgeChar[mid]!;
      if (m === c) return this.edgeNode[mid]!;
      if (m < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

function reverseUnits(v: string): string {
  let out = '';
  for (let i = v.length - 1; i >= 0; i--) out += v[i];
  return out;
}

/** Aho–Corasick over a trie: failure links by breadth-first order, terminal flags along them. */
function buildFailureLinks(t: Trie): Int32Array {
  const fail = new Int32Array(t.nodes);
  const queue = new Int32Array(t.nodes);
  let head = 0;
  let tail = 0;
  for (let k = t.first[0]!; k < t.first[1]!; k++) {
    const child = t.edgeNode[k]!;
    fail[child] = 0;
    queue[tail++] = child;
  }
  while (head < tail) {
    const u = queue[head++]!;
    for (let k = t.first[u]!; k < t.first[u + 1]!; k++) {
      const c = t.edgeChar[k]!;
      const v = t.edgeNode[k]!;
      let f = fail[u]!;
      let to = t.step(f, c);
      while (to < 0 && f !== 0) {
        f = fail[f]!;
        to = t.step(f, c);
      }
      fail[v] = to < 0 ? 0 : to;
      if (t.terminal[fail[v]!]) t.terminal[v] = 1;
      queue[tail++] = v;
    }
  }
  return fail;
}

export type TextTest = (text: string) => boolean;

/** Whether text contains any of the values (an empty value is contained in every text). */
export function compileContainsAny(values: readonly string[]): TextTest {
  if (values.some((v) => v === '')) return () => true;
  const t = new Trie(values, false);
  const fail = buildFailureLinks(t);
  return (text) => {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let to = t.step(state, c);
      while (to < 0 && state !== 0) {
        state = fail[state]!;
        to = t.step(state, c);
      }
      state = to < 0 ? 0 : to;
      if (t.terminal[state]) return true;
    }
    return false;
  };
}

/** Whether text starts (or, with fromEnd, ends) with any of the values. */
export function compileAffixAny(values: readonly string[], fromEnd: boolean): TextTest {
  if (values.some((v) => v === '')) return () => true;
  const t = new Trie(values, fromEnd);
  return (text) => {
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      node = t.step(node, text.charCodeAt(fromEnd ? text.length - 1 - i : i));
      if (node < 0) return false;
      if (t.terminal[node]) return true;
    }
    return false;
  };
}

/** One test for all lists: true when any value of any list matches in its way. */
export function compileMultiPattern(lists: PatternLists): TextTest {
  const tests: TextTest[] = [];
  if (lists.exact?.length) {
    const set = new Set(lists.exact);
    tests.push((t) => set.has(t));
  }
  if (lists.prefixes?.length) tests.push(compileAffixAny(lists.prefixes, false));
  if (lists.suffixes?.length) tests.push(compileAffixAny(lists.suffixes, true));
  if (lists.contains?.length) tests.push(compileContainsAny(lists.contains));
  if (tests.length === 1) return tests[0]!;
  return (t) => tests.some((f) => f(t));
}
