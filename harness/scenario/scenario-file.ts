// The shape of a scenario YAML file after schema validation (schemas/scenario.schema.json).

import type { Expectation, OsType } from '../../src/model/index.js';

export type Scalar = string | number | boolean;

export interface StepTemplate {
  argv: string[];
  detached?: boolean;
  delay_s?: number;
}

/** Fields every level may set; see the schema's `fragmentProps` for the merge rules. */
export interface Fragment {
  description?: string;
  platforms?: OsType[];
  expect?: Expectation;
  known_gap?: string;
  cipher?: string;
  requires?: string[];
  requires_python?: string[];
  requires_node?: string[];
  requires_sink?: Array<'http' | 'websocket' | 'tcp' | 'tls'>;
  timeout_s?: number;
  techniques?: string[];
  runs_in?: 'self' | 'child';
  axes?: Record<string, Scalar>;
  vars?: Record<string, string | string[]>;
  before?: StepTemplate[];
}

export interface AxisValue extends Fragment {
  value?: Scalar;
}

export interface MatrixSpec extends Omit<Fragment, 'axes'> {
  name: string;
  axes: Record<string, string[]>;
  exclude?: Array<Record<string, string | string[]>>;
  steps: StepTemplate[];
}

export interface SingleSpec extends Fragment {
  name: string;
  use?: Record<string, string>;
  steps: StepTemplate[];
}

export interface ScenarioFile {
  id: string;
  title: string;
  description: string;
  attack: { techniques: string[]; detection_strategy: string; analytics: string[] };
  platforms: OsType[];
  /** Inputs the user may override (`--var name=value`), each with its default; used as `{$name}` in argv. */
  inputs?: Record<string, { description: string; default: string | number; pattern?: string }>;
  defaults?: Fragment;
  variants: {
    axes?: Record<string, Record<string, AxisValue>>;
    matrix?: MatrixSpec[];
    single?: SingleSpec[];
  };
}
