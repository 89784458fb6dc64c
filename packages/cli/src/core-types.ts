/**
 * Types of `@tester/core` under the names the CLI's tests use. New code imports them from `@tester/core` itself.
 */
import type * as core from '@tester/core';

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

/** @deprecated `@tester/core` itself; kept for commands/mutate.ts until it imports core directly. */
export type CoreApi = typeof core;
