/**
 * Types of `@tester/core` under the names the CLI's tests use. New code imports them from `@tester/core/runner` itself.
 */
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
} from '@tester/core/runner';
