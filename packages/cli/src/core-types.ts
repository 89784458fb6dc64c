/**
 * The shapes the CLI reads from `@tester/core`'s loader and runtime: core's own types, plus the `CoreApi` the CLI
 * calls (bound lazily in `core-bridge.ts`).
 */
import type { LoadOptions, LoadResult, Problem, ReplayOptions, RunOptions, Scenario, ScenarioResult, TesterPlugin } from '@tester/core';

export type {
  Problem,
  Scenario,
  LoadResult,
  ProgressEvent,
  ScenarioStatus,
  ExpectationResult,
  ScenarioResult,
  ResultError,
  RunOptions as RunScenarioOptions,
} from '@tester/core';

/** The functions of core the CLI calls. */
export interface CoreApi {
  loadScenario(file: string, opts: LoadOptions): Promise<LoadResult>;
  parseScenario(source: string, opts: LoadOptions & { file: string }): LoadResult;
  runScenario(scenario: Scenario, opts: RunOptions): Promise<ScenarioResult>;
  replayScenario(scenario: Scenario, recorded: ScenarioResult, opts: ReplayOptions): ScenarioResult;
  scenarioJsonSchema(plugins: readonly TesterPlugin[]): object;
  formatProblem(problem: Problem): string;
}
