// Expands a validated scenario file into concrete variants. Deterministic: matrices in file order,
// cells in the order the axes and their value ids are written, singles last.

import type { EmulationStep, Lineage, OsType, Scenario, Variant, VariantAxes } from '../../src/model/index.js';
import { CONTRACT_PLACEHOLDERS, findUnknownPlaceholders } from '../placeholders.js';
import type { AxisValue, Fragment, Scalar, ScenarioFile, StepTemplate } from './scenario-file.js';

/** A problem found while expanding, located by JSON pointer into the file. */
export interface ExpansionProblem {
  pointer: string;
  message: string;
  hint: string;
}

const LINEAGES: ReadonlyArray<Lineage | 'none'> = ['same-process', 'parent-child', 'siblings', 'detached', 'none'];

interface Acc {
  descriptions: string[];
  platforms: OsType[];
  expect?: Variant['expect'];
  known_gaps: string[];
  cipher?: string;
  requires: string[];
  requires_python: string[];
  requires_node: string[];
  requires_sink: NonNullable<Variant['requires_sink']>;
  timeout_s?: number;
  techniques: string[];
  runs_in: Record<string, 'self' | 'child'>;
  axes: Record<string, Scalar>;
  vars: Record<string, string | string[]>;
  before: StepTemplate[];
}

function union<T>(a: T[], b: readonly T[] | undefined): T[] {
  if (!b) return a;
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

function mergeFragment(acc: Acc, f: Fragment | undefined, axisName?: string): void {
  if (!f) return;
  if (f.description && axisName !== undefined) acc.descriptions.push(f.description);
  if (f.platforms) acc.platforms = acc.platforms.filter((p) => f.platforms?.includes(p));
  if (f.expect) acc.expect = f.expect;
  if (f.known_gap) acc.known_gaps = union(acc.known_gaps, [f.known_gap]);
  if (f.cipher) acc.cipher = f.cipher;
  acc.requires = union(acc.requires, f.requires);
  acc.requires_python = union(acc.requires_python, f.requires_python);
  acc.requires_node = union(acc.requires_node, f.requires_node);
  acc.requires_sink = union(acc.requires_sink, f.requires_sink);
  // The largest timeout wins: a long-delay axis value must not be cut short by a default.
  if (f.timeout_s !== undefined) acc.timeout_s = Math.max(acc.timeout_s ?? 0, f.timeout_s);
  acc.techniques = union(acc.techniques, f.techniques);
  if (f.runs_in && axisName !== undefined) acc.runs_in[axisName] = f.runs_in;
  if (f.axes) Object.assign(acc.axes, f.axes);
  if (f.vars) Object.assign(acc.vars, f.vars);
  if (f.before) acc.before.push(...f.before);
}

/** Encryption and upload each run in the emulation's own process or in a child of it. */
function deriveLineage(acc: Acc): Lineage | 'none' | undefined {
  if (acc.axes.upload === 'none' || acc.axes.encryption === 'none') return 'none';
  const enc = acc.runs_in.encryption;
  const up = acc.runs_in.upload;
  if (!enc || !up) return undefined;
  if (enc === 'self' && up === 'self') return 'same-process';
  if (enc === 'child' && up === 'child') return 'siblings';
  return 'parent-child';
}

const VAR = /\{\$([a-z][a-z0-9_]*)\}/g;

const AXIS_ID = /\{@([a-z][a-z0-9_]*)\}/g;

function expandArgv(argv: string[], vars: Record<string, string | string[]>, ids: Record<string, string>, missing: Set<string>): string[] {
  const out: string[] = [];
  for (const raw of argv) {
    const el = raw.replace(AXIS_ID, (_w, axis: string) => {
      const id = ids[axis];
      if (id === undefined) missing.add(`@${axis}`);
      return id ?? '';
    });
    const whole = /^\{\$([a-z][a-z0-9_]*)\}$/.exec(el);
    if (whole) {
      const v = vars[whole[1] ?? ''];
      if (v === undefined) missing.add(whole[1] ?? '');
      else if (Array.isArray(v)) out.push(...v);
      else out.push(v);
      continue;
    }
    out.push(
      el.replace(VAR, (_w, name: string) => {
        const v = vars[name];
        if (v === undefined) {
          missing.add(name);
          return '';
        }
        return Array.isArray(v) ? v.join(' ') : v;
      }),
    );
  }
  return out;
}

function fillName(template: string, ids: Record<string, string>): string {
  return template.replace(/\{([a-z][a-z0-9_]*)\}/g, (w, axis: string) => ids[axis] ?? w);
}

interface Cell {
  name: string;
  pointer: string;
  line: number | undefined;
  level: Fragment & { description?: string };
  chosen: Array<{ axis: string; id: string; value: AxisValue }>;
  steps: StepTemplate[];
}

export function expandScenario(
  doc: ScenarioFile,
  file: string,
  lineOf: (pointer: string) => number | undefined,
  overrides: Readonly<Record<string, string>> = {},
): { scenario: Scenario; problems: ExpansionProblem[] } {
  const problems: ExpansionProblem[] = [];
  // Inputs (like Atomic's input_arguments): a default in the file, a value from --var.
  const inputs: NonNullable<Scenario['inputs']> = {};
  for (const [name, spec] of Object.entries(doc.inputs ?? {})) {
    const value = overrides[name] ?? String(spec.default);
    let re: RegExp | undefined;
    try {
      re = spec.pattern === undefined ? undefined : new RegExp(`^(?:${spec.pattern})$`);
    } catch (e) {
      problems.push({ pointer: `/inputs/${name}/pattern`, message: `input ${name}: pattern is not a regular expression (${(e as Error).message})`, hint: 'write a JavaScript regular expression, e.g. [0-9]+' });
    }
    if (re && !re.test(value)) {
      problems.push({ pointer: `/inputs/${name}`, message: `input ${name} = ${JSON.stringify(value)} does not match its pattern ${spec.pattern}`, hint: `pass a value that matches, e.g. --var ${name}=${String(spec.default)}` });
    }
    inputs[name] = { description: spec.description, default: String(spec.default), value };
  }
  const library = doc.variants.axes ?? {};
  const cells: Cell[] = [];

  const lookup = (axis: string, id: string, pointer: string): AxisValue | undefined => {
    const v = library[axis]?.[id];
    if (!v) {
      const known = Object.keys(library[axis] ?? {});
      problems.push({
        pointer,
        message: library[axis] ? `axis "${axis}" has no value "${id}"` : `unknown axis "${axis}"`,
        hint: library[axis]
          ? `define it under variants.axes.${axis}, or use one of: ${known.join(', ')}`
          : `define the axis under variants.axes (known axes: ${Object.keys(library).join(', ') || 'none'})`,
      });
    }
    return v;
  };

  (doc.variants.matrix ?? []).forEach((m, mi) => {
    const mp = `/variants/matrix/${mi}`;
    const axisNames = Object.keys(m.axes);
    let combos: Array<Record<string, string>> = [{}];
    for (const axis of axisNames) {
      const ids = m.axes[axis] ?? [];
      ids.forEach((id, k) => lookup(axis, id, `${mp}/axes/${axis}/${k}`));
      combos = combos.flatMap((c) => ids.map((id) => ({ ...c, [axis]: id })));
    }
    (m.exclude ?? []).forEach((ex, ei) => {
      for (const axis of Object.keys(ex)) {
        if (!axisNames.includes(axis)) {
          problems.push({ pointer: `${mp}/exclude/${ei}`, message: `exclude names axis "${axis}" that this matrix does not vary`, hint: `use one of: ${axisNames.join(', ')}` });
        }
      }
    });
    const excluded = (c: Record<string, string>): boolean =>
      (m.exclude ?? []).some((ex) =>
        Object.entries(ex).every(([axis, want]) => (Array.isArray(want) ? want.includes(c[axis] ?? '') : want === c[axis])),
      );
    const { name: _n, axes: _a, exclude: _e, steps, ...level } = m;
    const known = (c: Record<string, string>): boolean => axisNames.every((axis) => library[axis]?.[c[axis] ?? ''] !== undefined);
    for (const c of combos) {
      // Cells with an unknown value id are already reported; expanding them would only add noise.
      if (excluded(c) || !known(c)) continue;
      cells.push({
        name: fillName(m.name, c),
        pointer: mp,
        line: lineOf(mp),
        level,
        chosen: axisNames.flatMap((axis) => {
          const id = c[axis] ?? '';
          const value = library[axis]?.[id];
          return value ? [{ axis, id, value }] : [];
        }),
        steps,
      });
    }
  });

  (doc.variants.single ?? []).forEach((s, si) => {
    const sp = `/variants/single/${si}`;
    const { name, use, steps, ...level } = s;
    const chosen = Object.entries(use ?? {}).flatMap(([axis, id]) => {
      const value = lookup(axis, id, `${sp}/use/${axis}`);
      return value ? [{ axis, id, value }] : [];
    });
    cells.push({ name, pointer: sp, line: lineOf(sp), level, chosen, steps });
  });

  const variants: Variant[] = [];
  const seen = new Map<string, string>();
  for (const cell of cells) {
    const id = `${doc.id}/${cell.name}`;
    const prev = seen.get(cell.name);
    if (prev !== undefined) {
      problems.push({ pointer: cell.pointer, message: `variant name "${cell.name}" is produced twice (also by ${prev.slice(1).replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')})`, hint: 'make the matrix name template include every axis it varies, or rename the single variant' });
      continue;
    }
    seen.set(cell.name, cell.pointer);
    if (!/^[a-z0-9][a-z0-9._+-]*$/.test(cell.name)) {
      problems.push({ pointer: cell.pointer, message: `variant name "${cell.name}" is not a plain id`, hint: 'names use a-z, 0-9, ".", "_", "+", "-"; every {axis} in the template must be an axis of the matrix' });
      continue;
    }

    const acc: Acc = {
      descriptions: [],
      platforms: [...doc.platforms],
      known_gaps: [],
      requires: [],
      requires_python: [],
      requires_node: [],
      requires_sink: [],
      techniques: [...doc.attack.techniques],
      runs_in: {},
      axes: {},
      vars: {},
      before: [],
    };
    mergeFragment(acc, doc.defaults);
    mergeFragment(acc, cell.level);
    if (cell.level.runs_in) acc.runs_in.encryption = acc.runs_in.upload = cell.level.runs_in;
    for (const { axis, id, value } of cell.chosen) {
      acc.axes[axis] = value.value ?? id;
      mergeFragment(acc, value, axis);
    }
    for (const [name, input] of Object.entries(inputs)) acc.vars[name] = input.value;

    const bad = (message: string, hint: string): void => void problems.push({ pointer: cell.pointer, message: `${id}: ${message}`, hint });
    if (acc.axes.lineage === undefined) {
      const l = deriveLineage(acc);
      if (l) acc.axes.lineage = l;
    }
    const ax = acc.axes;
    const missingAxes = ['interpreter', 'encryption', 'upload'].filter((k) => typeof ax[k] !== 'string');
    if (missingAxes.length) bad(`axes ${missingAxes.join(', ')} are not set (as strings)`, 'set them in defaults.axes, the matrix axes, or the single variant');
    if (!LINEAGES.includes(ax.lineage as Lineage)) bad(`lineage is ${ax.lineage === undefined ? 'not set and cannot be derived' : `"${String(ax.lineage)}"`}`, `set axes.lineage to one of ${LINEAGES.join(', ')}, or give the encryption and upload values runs_in: self|child`);
    if (typeof ax.delay_s !== 'number') bad('axes.delay_s is not a number', 'set axes.delay_s (seconds between encryption and upload), usually 0 in defaults');
    if (typeof ax.masquerade !== 'boolean') bad('axes.masquerade is not true/false', 'set axes.masquerade, usually false in defaults');
    if (!acc.cipher) bad('no cipher', 'set cipher (aes-256-cbc-pbkdf2, aes-128-ctr-pbkdf2, aes-256-cbc-raw, aes-256-gcm or none) on the encryption value');
    if (!acc.platforms.length) bad('no platform left after intersecting the platforms of its parts', 'check the platforms of the chosen axis values');
    if (acc.expect === undefined) bad('expect is not set', 'set expect: positive or negative (defaults, matrix, value or single)');
    if (acc.expect === 'negative' && acc.known_gaps.length) bad('a negative control cannot have a known_gap', 'known_gap is for positive variants the rules are known to miss');

    const missingVars = new Set<string>();
    const chosenIds = Object.fromEntries(cell.chosen.map((c) => [c.axis, c.id]));
    const steps: EmulationStep[] = [...acc.before, ...cell.steps].map((s) => {
      const step: EmulationStep = { argv: expandArgv(s.argv, acc.vars, chosenIds, missingVars) };
      if (s.detached !== undefined) step.detached = s.detached;
      if (s.delay_s !== undefined) step.delay_s = s.delay_s;
      return step;
    });
    if (missingVars.size) bad(`uses undefined variable(s) ${[...missingVars].map((v) => (v.startsWith('@') ? `{${v}}` : `{$${v}}`)).join(', ')}`, 'define {$name} under vars of defaults, the matrix, an axis value or the single variant; {@axis} needs that axis chosen by the matrix or `use`');
    const unknown = [...new Set(steps.flatMap((s) => findUnknownPlaceholders(s.argv)))];
    if (unknown.length) bad(`unknown placeholder(s) ${unknown.map((u) => `{${u}}`).join(', ')}`, `the contract defines: ${CONTRACT_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
    if (steps.some((s) => s.argv.length === 0 || s.argv[0] === '')) bad('a step has an empty argv[0]', 'check the variables spliced into argv');

    const variant: Variant = {
      id,
      scenario_id: doc.id,
      name: cell.name,
      description: cell.level.description ? fillName(cell.level.description, chosenIds) : acc.descriptions.join('; ') || doc.title,
      platforms: acc.platforms,
      expect: acc.expect ?? 'positive',
      axes: acc.axes as VariantAxes,
      requires: acc.requires,
      steps,
      timeout_s: acc.timeout_s ?? 60,
      attack: { techniques: acc.techniques, detection_strategy: doc.attack.detection_strategy, analytics: [...doc.attack.analytics] },
      cipher: acc.cipher ?? 'none',
      source: cell.line === undefined ? { file } : { file, line: cell.line },
    };
    if (acc.known_gaps.length) variant.known_gap = acc.known_gaps.join('; ');
    if (acc.requires_python.length) variant.requires_python = acc.requires_python;
    if (acc.requires_node.length) variant.requires_node = acc.requires_node;
    if (acc.requires_sink.length) variant.requires_sink = acc.requires_sink;
    variants.push(variant);
  }

  const scenario: Scenario = {
    id: doc.id,
    title: doc.title,
    description: doc.description,
    file,
    attack: { techniques: [...doc.attack.techniques], detection_strategy: doc.attack.detection_strategy, analytics: [...doc.attack.analytics] },
    ...(Object.keys(inputs).length ? { inputs } : {}),
    variants,
  };
  return { scenario, problems };
}
