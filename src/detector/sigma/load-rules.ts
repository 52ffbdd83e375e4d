// Sigma files → StreamRules: resolves correlation references (by id or name), applies
// filters, and decides which rules alert on their own (see alertingDefs).

import { PurpleError, type Alert } from '../../model/index.js';
import { makeAlertId } from '../common/alert-id.js';
import { reusableRule, type CompiledRule, type LoadContext, type RuleSourceFile, type StreamRule } from '../types.js';
import { baseRuleSource, correlationSource, hitToAlert, type Budget, type Source } from './correlation-engine.js';
import { readSigmaFile, type CorrelationDef, type FilterDef, type RuleDef, type SigmaDef } from './documents.js';
import { defaultSigmaMapping, mergeSigmaMapping } from './field-mapping.js';
import type { ItemContext } from './modifiers.js';

export function itemContextFor(ctx: LoadContext): ItemContext {
  const mapping = mergeSigmaMapping(defaultSigmaMapping(), {
    ...(ctx.config.sigmaFieldMap ? { sigmaFieldMap: ctx.config.sigmaFieldMap } : {}),
    ...(ctx.config.sigmaValueMap ? { sigmaValueMap: ctx.config.sigmaValueMap } : {}),
  });
  return {
    mapField: (n) => mapping.sigmaFieldMap[n] ?? n,
    valueMap: (n) => mapping.sigmaValueMap[n],
    // Site lists (shared with the EQL pack) win over the Sigma placeholder file's defaults.
    placeholder: (n) => ctx.config.lists[n] ?? ctx.config.placeholders?.[n],
  };
}

type Ref = RuleDef | CorrelationDef;

export function loadSigmaRules(files: RuleSourceFile[], ctx: LoadContext): StreamRule[] {
  return prepareSigmaRules(files, ctx).map((r) => r.instantiate());
}

/** Parses and resolves the Sigma files once; each instance of a rule gets its own state. */
export function prepareSigmaRules(files: RuleSourceFile[], ctx: LoadContext): CompiledRule[] {
  const itemCtx = itemContextFor(ctx);
  const defs: SigmaDef[] = files.flatMap((f) => readSigmaFile(f.path, f.text, itemCtx));
  const refs = new Map<string, Ref>();
  for (const d of defs) {
    if (d.kind === 'filter') continue;
    for (const [key, label] of [
      [d.id, 'id'],
      [d.name, 'name'],
    ] as const) {
      if (!key) continue;
      const prev = refs.get(key);
      if (prev && prev !== d)
        throw new PurpleError('BAD_INPUT', `Sigma ${label} '${key}' is used twice (also in ${prev.file}:${prev.doc.locate([label])?.line ?? '?'})`, {
          location: { file: d.file, ...d.doc.locate([label]) },
          hint: 'ids and names must be unique across the rules folder',
        });
      refs.set(key, d);
    }
  }
  const resolve = (owner: CorrelationDef | FilterDef, ref: string, path: Array<string | number>): Ref => {
    const r = refs.get(ref);
    if (!r)
      throw new PurpleError('NOT_FOUND', `rule '${ref}' is not defined in the loaded Sigma files`, {
        location: { file: owner.file, ...owner.doc.locate(path) },
        hint: "reference a rule by its 'id' or 'name', and load the file that defines it",
      });
    return r;
  };

  // Filters: the referenced rules no longer match what the filter matches.
  for (const f of defs.filter((d): d is FilterDef => d.kind === 'filter')) {
    f.rules.forEach((ref, i) => {
      const r = resolve(f, ref, ['filter', 'rules', i]);
      if (r.kind !== 'rule')
        throw new PurpleError('BAD_INPUT', `filter targets '${ref}', a correlation; filters apply to detection rules`, {
          location: { file: f.file, ...f.doc.locate(['filter', 'rules', i]) },
          hint: 'filter the correlated base rules instead',
        });
      const orig = r.match;
      r.match = (ev) => orig(ev) && !(f.route.accepts(ev) && f.match(ev));
    });
  }

  const correlations = defs.filter((d): d is CorrelationDef => d.kind === 'correlation');
  const children = new Map<CorrelationDef, Ref[]>();
  for (const c of correlations) children.set(c, c.rules.map((ref, i) => resolve(c, ref, ['correlation', 'rules', i])));
  // Chains must be acyclic.
  const visiting = new Set<CorrelationDef>();
  const done = new Set<CorrelationDef>();
  const visit = (c: CorrelationDef): void => {
    if (done.has(c)) return;
    if (visiting.has(c))
      throw new PurpleError('BAD_INPUT', `correlation '${c.title}' refers to itself through a chain`, {
        location: { file: c.file, ...c.doc.locate(['correlation', 'rules']) },
        hint: 'correlation chains must not loop',
      });
    visiting.add(c);
    for (const k of children.get(c)!) if (k.kind === 'correlation') visit(k);
    visiting.delete(c);
    done.add(c);
  };
  correlations.forEach(visit);

  const out: CompiledRule[] = [];
  for (const d of alertingDefs(defs, children)) {
    if (d.kind === 'rule') {
      const rule = baseStreamRule(d);
      out.push({ meta: rule.meta, instantiate: () => rule });
    } else out.push(reusableRule(() => correlationStreamRule(d, children, itemCtx, ctx.maxOpenSequences)));
  }
  return out;
}

/**
 * Which definitions alert on their own: every correlation that no other correlation uses,
 * every rule no correlation uses, and anything a correlation with `generate: true` uses.
 */
function alertingDefs(defs: SigmaDef[], children: Map<CorrelationDef, Ref[]>): Ref[] {
  const used = new Set<Ref>();
  const generated = new Set<Ref>();
  for (const [c, kids] of children)
    for (const k of kids) {
      used.add(k);
      if (c.generate) generated.add(k);
    }
  return defs.filter((d): d is Ref => d.kind !== 'filter' && (!used.has(d) || generated.has(d)));
}

function baseStreamRule(rule: RuleDef): StreamRule {
  return {
    meta: rule.meta,
    categories: rule.route.categories,
    onEvent(ev, _ts, emit) {
      if (!rule.match(ev)) return;
      const t = ev['@timestamp'];
      const alert: Alert = {
        id: makeAlertId(rule.meta.id, [ev.event?.id ?? '']),
        rule: rule.meta,
        timestamp: t,
        event_ids: [ev.event?.id ?? ''],
        first_event_time: t,
        last_event_time: t,
        span_ms: 0,
      };
      emit(alert);
    },
    finish() {},
    state: () => ({ open: 0, evicted: 0 }),
  };
}

function correlationStreamRule(def: CorrelationDef, children: Map<CorrelationDef, Ref[]>, itemCtx: ItemContext, maxOpen: number): StreamRule {
  const budget: Budget = { max: Math.max(1, maxOpen), open: 0, evicted: 0 };
  const leafCats = new Set<string>();
  let anyCategory = false;
  const platforms = new Set<'macos' | 'linux'>();
  const build = (c: CorrelationDef): Source => {
    const kids = children.get(c)!;
    const inputs = kids.map((k) => {
      if (k.kind === 'correlation') return build(k);
      if (k.route.categories) for (const x of k.route.categories) leafCats.add(x);
      else anyCategory = true;
      if (k.route.product) platforms.add(k.route.product);
      return baseRuleSource(k);
    });
    const inputRefs = kids.map((k) => [k.name, k.id].filter((x): x is string => !!x));
    // The condition and aliases may use either the name or the id: map both to the listed ref.
    return correlationSource(c, inputs, inputRefs, itemCtx.mapField, budget);
  };
  const source = build(def);
  const meta = { ...def.meta, ...(platforms.size ? { platforms: [...platforms].sort() } : {}) };
  let seq = 0;
  return {
    meta,
    categories: anyCategory ? null : leafCats,
    onEvent(ev, ts, emit) {
      for (const h of source.feed(ev, ts, ++seq)) emit(hitToAlert(meta, h, def.groupBy));
    },
    finish(emit) {
      for (const h of source.finish()) emit(hitToAlert(meta, h, def.groupBy));
    },
    state: () => ({ open: budget.open, evicted: budget.evicted }),
  };
}
