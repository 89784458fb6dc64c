/** The validated scenario model, as the loader produces it and the runtime consumes it. */

/** One problem found while loading a scenario: where, which field, and what is wrong (expected vs found). */
export interface Problem {
  /** The scenario file (or the `file` name given to `parseScenario`). */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** The field path, `expectations.events[0].count`; empty for the document itself. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** A precondition: a CEL expression over the observed state, with its position in the file. */
export interface ScenarioPrecondition {
  expression: string;
  line: number;
  column: number;
}

/** One action, validated by its plugin's schema. */
export interface ScenarioAction {
  /** The `id` from the YAML, or `actions[i]`. */
  id: string;
  /** The action type (`CHAOS`). */
  type: string;
  /** The name of the plugin that provides this type. */
  plugin: string;
  /** The output of the action's schema (the fields except `type` and `id`). */
  params: unknown;
  /** `harmless: true`: the faults this action injects are expected to have no observable effect. */
  harmless?: boolean;
  /** `after_fault`: the id of an earlier fault-injecting action whose faults must have ended before this one runs. */
  afterFault?: string;
  line: number;
  column: number;
}

/** One expectation item, validated by its section's schema. */
export interface ScenarioExpectation {
  /** `events[0]`: section and index. */
  id: string;
  /** The section key (`events`). */
  section: string;
  /** The item's position in its section. */
  index: number;
  /** The name of the plugin that owns the section. */
  plugin: string;
  /** The output of the section's item schema. */
  item: unknown;
  line: number;
  column: number;
}

/** Window settings (DESIGN.md "Windows and barriers"). */
export interface ScenarioWindow {
  /** Extra span after the moment the systems settled. @default 0 */
  afterMs: number;
  /**
   * How long the scenario's systems must be quiet (no relevant observation, every fault ended, nothing in
   * progress) to count as settled. `undefined`: the run's default (`RunOptions.settleMs`, 2 s).
   */
  settleMs?: number;
}

/** A validated scenario. */
export interface Scenario {
  file?: string;
  name: string;
  description?: string;
  /** The scenario's deadline, from `timeout` (seconds or a duration string). @default 120000 */
  timeoutMs: number;
  tags: string[];
  /** The systems it touches: declared, or inferred from its actions. Scenarios sharing one never overlap. */
  systems: string[];
  /** The variables after substitution (scenario `variables` overridden by the caller's). */
  variables: Record<string, string>;
  preconditions: ScenarioPrecondition[];
  /** How long to wait for the preconditions to hold. `undefined`: the run's default. */
  preconditionsTimeoutMs?: number;
  actions: ScenarioAction[];
  expectations: ScenarioExpectation[];
  window: ScenarioWindow;
}

/** What `parseScenario`/`loadScenario` return: a scenario, or every problem found. */
export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; problems: Problem[] };

/** Renders a problem as `file:line:col path: message` (`file:line:col: message` when the path is empty). */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** Renders a field path: `['expectations', 'events', 0, 'count']` -> `expectations.events[0].count`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}
