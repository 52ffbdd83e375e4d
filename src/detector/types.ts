// Contracts inside the detector: every rule language compiles to a StreamRule, and the engine
// feeds each (enriched) event to the rules that can use it. The detector is pure: no file
// system, no clock, no randomness — the CLI reads the files and passes their text in.

import type { Alert, RuleMeta, TelemetryEvent } from '../model/index.js';
import type { FieldCatalog } from './field-check.js';

export interface RuleSourceFile {
  /** Path as the user should see it in messages (relative to the rules folder when possible). */
  path: string;
  text: string;
}

/**
 * Site configuration the rules read: DET0503's `EncryptionRoutinePattern` and
 * `ApplicationProfileBaseline`, flattened to named string lists
 * (e.g. `EncryptionRoutinePattern.command_line` → ["*AES*", …]).
 */
export interface DetectorConfig {
  lists: Record<string, string[]>;
  /** Sigma field name → ECS path, merged over the built-in table (rules/config/sigma-mapping.yaml). */
  sigmaFieldMap?: Record<string, string>;
  /** Sigma field name → (rule value, lowercased → event value), e.g. Initiated: true → egress. */
  sigmaValueMap?: Record<string, Record<string, string>>;
  /** Values of `%name%` placeholders for Sigma's `expand` modifier; a list in `lists` of the same name wins. */
  placeholders?: Record<string, string[]>;
}

export interface LoadContext {
  config: DetectorConfig;
  /** Hard cap on open (partial) sequences per rule; the oldest are evicted past it. */
  maxOpenSequences: number;
  /** The ECS (and declared) field list: when given, every field a rule names is checked (LoadResult.warnings). */
  fields?: FieldCatalog;
}

export type Emit = (alert: Alert) => void;

/** What the raw-line prefilter (line-gate.ts) may assume when it asks a rule what can matter. */
export interface GateContext {
  /** Process-tree enrichment runs: process events always reach the rules, other events may gain process and user fields. */
  enrich: boolean;
  /** Fields whose value may be missing from the raw line although the event has it (enrichment, importer rewrites). */
  unsafeField(name: string): boolean;
}

/** A rule's answer to the prefilter: which raw lines could change its state or make it alert. */
export interface RuleGate {
  /** Lowercase literals, one of which a line must contain to start (or mark) state; null = any line may. */
  start: string[] | null;
  /** Steps that only matter while partial state is open (later sequence steps, `until`); null = none. */
  follow: null | {
    /** Categories of those steps; null = any. */
    categories: ReadonlySet<string> | null;
    /**
     * Whether partial state is open, whether completed sequences wait on time, and the open join-key
     * values (strings as they appear in a raw line) that a line must contain to advance one; null = any line of those categories may.
     */
    state(): { open: boolean; waiting: boolean; values: string[] | null };
    /** Changes whenever `state()` may answer differently (never decreases). */
    version(): number;
  };
}

export interface StreamRule {
  meta: RuleMeta;
  /** event.category values the rule can use; null = every event. Lets the engine skip work. */
  categories: ReadonlySet<string> | null;
  /** Events arrive in time order; tsMs is the event's @timestamp in epoch ms. */
  onEvent(event: TelemetryEvent, tsMs: number, emit: Emit): void;
  /** End of stream: emit what only completes at the end (e.g. `until`-free missing-event tails). */
  finish(emit: Emit): void;
  state(): { open: number; evicted: number };
  /** For the raw-line prefilter; a rule without it makes the prefilter pass every line. */
  gate?(ctx: GateContext): RuleGate;
  /** Every event field the rule reads (conditions and join keys); absent = unknown, treat as all. */
  fields?: ReadonlySet<string>;
}

/**
 * A rule compiled once from its file: `instantiate` gives a StreamRule with fresh sequence state
 * (a run scores each variant with its own detector) without parsing or compiling the file again.
 */
export interface CompiledRule {
  meta: RuleMeta;
  instantiate(): StreamRule;
}

/** A CompiledRule from a builder: the first instance is the one built to learn the meta. */
export function reusableRule(build: () => StreamRule): CompiledRule {
  let spare: StreamRule | undefined = build();
  return {
    meta: spare.meta,
    instantiate() {
      if (spare) {
        const s = spare;
        spare = undefined;
        return s;
      }
      return build();
    },
  };
}
