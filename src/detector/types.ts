// Contracts inside the detector: every rule language compiles to a StreamRule, and the engine
// feeds each (enriched) event to the rules that can use it. The detector is pure: no file
// system, no clock, no randomness — the CLI reads the files and passes their text in.

import type { Alert, RuleMeta, TelemetryEvent } from '../model/index.js';

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
}

export type Emit = (alert: Alert) => void;

export interface StreamRule {
  meta: RuleMeta;
  /** event.category values the rule can use; null = every event. Lets the engine skip work. */
  categories: ReadonlySet<string> | null;
  /** Events arrive in time order; tsMs is the event's @timestamp in epoch ms. */
  onEvent(event: TelemetryEvent, tsMs: number, emit: Emit): void;
  /** End of stream: emit what only completes at the end (e.g. `until`-free missing-event tails). */
  finish(emit: Emit): void;
  state(): { open: number; evicted: number };
}
