/**
 * `@tester/core`: the scenario model and loader, the plugin contract, the event-driven runtime and the result
 * model. Transport-free: observers and actions that talk to services live in plugins.
 */
export * from './contract';
export * from './observation';
export * from './state-vocabulary';
export type * from './clock';
export type * from './logger';
export type * from './timeline-types';
export { z } from 'zod';

export { ErrorCodes, TesterError, PluginError, PluginApiMismatchError, errorMessage, isTesterError } from './errors';
export type { ErrorCode, TesterErrorOptions } from './errors';
export { parseDuration, durationSchema, positiveDurationSchema, durationAtLeast, MAX_DURATION_MS, formatMs } from './duration';
export { compileCel, MAX_CEL_LENGTH } from './cel';
export { regexProblem, MAX_REGEX_LENGTH } from './safe-regex';
export { compileJsonQuery, JsonQueryError } from './json-query';
export type { JsonQuery, JsonQueryLimits } from './json-query';
export { INPUT_LIMITS, readTextFile, documentProblems, deepNestingOffset } from './input-guard';
export type { ReadResult, StructureProblem } from './input-guard';
export type { CelProgram } from './cel';
export { didYouMean, levenshtein } from './suggest';

export { parseScenario, loadScenario } from './loader';
export type { LoadOptions } from './loader';
export { formatProblem, formatPath } from './scenario-types';
export type {
  Problem,
  Scenario,
  ScenarioAction,
  ScenarioExpectation,
  ScenarioPrecondition,
  ScenarioWindow,
  LoadResult,
} from './scenario-types';
export { scenarioJsonSchema, buildScenarioSchema, coreScenarioSchema, DEFAULT_TIMEOUT_MS } from './scenario-schema';
export { assertPluginApi, createRegistry, pluginShapeProblem } from './registry';
export type { PluginRegistry } from './registry';

export { runScenario } from './runtime/run-scenario';
export { replayScenario, replayMismatch } from './runtime/replay';
export type { ReplayOptions } from './runtime/replay';
export type { RunOptions } from './runtime/run-scenario';
export { recoverEntry } from './runtime/recover';
export type { RecoverOptions, RecoverResult } from './runtime/recover';
export { stateVariables } from './runtime/preconditions';
export { deriveTimings, FaultTimings, faultToTime } from './runtime/timings';
export type { FaultTimingsOptions, MeasuredTime, SystemSighting } from './runtime/timings';
export type * from './result-types';
export { createTimeline, matchesQuery } from './timeline';
export type { Timeline, TimelineOptions, AppendInput } from './timeline';
export { systemClock, ManualClock } from './clock';
export { silentLogger } from './logger';
export { createMemoryLedger } from './ledger';
export type { MemoryLedger } from './ledger';
export { Redactor } from './redact';

export { defineConfig } from './config';
export type { TesterConfig, PluginEntry, PluginSpec, ConfigDefaults } from './config';

export { PollLoop } from './poll-loop';
export { abortAt, abortable } from './deadline';
export { timedFault } from './timed-fault';
export type { TimedFaultSpec } from './timed-fault';
export { promqlMetricNames } from './promql';
export type { PollLoopOptions } from './poll-loop';
