// Reading fields of a normalised event by dotted path. Events are nested ECS objects; a flat
// key holding dots (`{"process.name": …}`) is also found, and arrays are looked through, so
// `process.args` yields every argument.

export interface FieldRead {
  present: boolean;
  /** Scalar leaves (arrays flattened); null stays null. */
  values: unknown[];
}

export function readField(event: unknown, path: string): FieldRead {
  const out: unknown[] = [];
  let present = false;
  const walk = (node: unknown, segs: string[], i: number): void => {
    if (i === segs.length) {
      present = true;
      flatten(node, out);
      return;
    }
    if (Array.isArray(node)) {
      for (const el of node) walk(el, segs, i);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    // Longest key first, so "a.b" as a literal key wins over a.b nesting when both exist.
    for (let j = segs.length; j > i; j--) {
      const key = j === i + 1 ? segs[i]! : segs.slice(i, j).join('.');
      if (Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined) {
        walk(obj[key], segs, j);
        return;
      }
    }
  };
  walk(event, path.split('.'), 0);
  return { present, values: out };
}

function flatten(v: unknown, out: unknown[]): void {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(v);
}

/** Every string/number/boolean leaf of the event, for keyword (field-less) search. */
export function allLeafValues(event: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') Object.values(v as Record<string, unknown>).forEach(walk);
    else out.push(String(v));
  };
  walk(event);
  return out;
}

/** A scalar as the text Sigma compares against; undefined for null and objects. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** The single value used to group events (correlation group-by); undefined when absent. */
export function groupValue(event: unknown, path: string): string | undefined {
  const r = readField(event, path);
  const texts = r.values.map(scalarText).filter((x): x is string => x !== undefined);
  if (texts.length === 0) return undefined;
  return texts.length === 1 ? texts[0] : JSON.stringify(texts);
}
