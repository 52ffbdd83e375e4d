// What the detector emits. Alerts reference events by id; the events themselves live in the
// telemetry stream (and the report), so an alert is small and stable.

export type JoinStrength = 'same-process' | 'parent-child' | 'siblings' | 'same-user-host';

/** Strongest first: index 0 is the strongest link the telemetry can prove. */
export const JOIN_STRENGTH_ORDER: readonly JoinStrength[] = ['same-process', 'parent-child', 'siblings', 'same-user-host'];

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface RuleMeta {
  id: string;
  name: string;
  language: 'eql' | 'sigma';
  /** The file the rule came from, relative to the rules folder the user gave. */
  file: string;
  severity: Severity;
  risk_score?: number;
  description?: string;
  join_strength?: JoinStrength;
  /** ATT&CK ids: techniques (T1048.001), detection strategy (DET0503), analytics (AN1391). */
  attack: { techniques: string[]; detection_strategy?: string; analytics?: string[] };
  platforms?: Array<'macos' | 'linux'>;
}

export interface Alert {
  id: string;
  rule: RuleMeta;
  /** @timestamp of the event that completed the match (ISO 8601). */
  timestamp: string;
  /** event.id of every matched event, in match order. Missing-event steps are absent. */
  event_ids: string[];
  /** Values of the `by` keys the sequence joined on (EQL) or the group-by values (Sigma). */
  join_key?: unknown[];
  join_strength?: JoinStrength;
  first_event_time: string;
  last_event_time: string;
  /** Milliseconds from the first to the last matched event. */
  span_ms: number;
}
