// The parsed form of an EQL query. Plain data, so tests can compare trees and the compiler
// can walk them once into closures.

export type Literal = null | boolean | number | string;

export interface Pos {
  line: number;
  column: number;
}

export type Expr =
  /** `float`: a number written with a decimal point (4.0 divides as a float). */
  | { k: 'lit'; v: Literal; pos: Pos; float?: boolean }
  | { k: 'field'; path: string[]; name: string; optional: boolean; pos: Pos }
  | { k: 'not'; e: Expr; pos: Pos }
  | { k: 'and' | 'or'; l: Expr; r: Expr; pos: Pos }
  | { k: 'cmp'; op: '==' | '!=' | '<' | '<=' | '>' | '>='; l: Expr; r: Expr; pos: Pos }
  /** `:`, `like`, `regex`, `in` against one or more patterns; `ci` for `:` and the `~` forms. */
  | { k: 'match'; kind: 'wildcard' | 'like' | 'regex' | 'in'; ci: boolean; negated: boolean; l: Expr; patterns: Expr[]; pos: Pos }
  | { k: 'arith'; op: '+' | '-' | '*' | '/' | '%'; l: Expr; r: Expr; pos: Pos }
  | { k: 'neg'; e: Expr; pos: Pos }
  | { k: 'call'; name: string; ci: boolean; args: Expr[]; pos: Pos };

export interface FieldRef {
  path: string[];
  name: string;
  optional: boolean;
  pos: Pos;
}

export type Pipe =
  | { k: 'head' | 'tail'; n: number; pos: Pos }
  | { k: 'filter'; cond: Expr; pos: Pos }
  | { k: 'unique' | 'sort'; fields: FieldRef[]; pos: Pos };

export interface EventFilter {
  /** null = `any`. */
  category: string | null;
  cond: Expr;
}

export interface SequenceStep extends EventFilter {
  by: FieldRef[];
  /** `![ … ]`: the step must not happen. */
  missing: boolean;
  pos: Pos;
}

export type Query =
  | { k: 'event'; filter: EventFilter; pipes: Pipe[] }
  | {
      k: 'sequence';
      by: FieldRef[];
      maxspanMs: number | null;
      /** Steps after expanding `with runs=N` (a step repeated N times). */
      steps: SequenceStep[];
      until: SequenceStep | null;
      pipes: Pipe[];
    };
