/**
 * `@tester/core/runner`: what a harness needs to load, run, replay and clean up scenarios (the CLI is one such
 * harness): the loader, `runScenario`, `replayScenario`, `recoverEntry`, ledgers, clocks, loggers, the result model
 * and the config file's type. Plugins need none of it: they import `@tester/core`.
 */

// Loading scenarios.
export { parseScenario, loadScenario } from './loader';
export type { LoadOptions } from './loader';
export { formatProblem, formatPath } from './scenario-types';
export type { Problem, Scenario, ScenarioAction, ScenarioExpectation, ScenarioPrecondition, ScenarioWindow, LoadResult } from './scenario-types';
export { scenarioJsonSchema } from './scenario-schema';
export { pluginShapeProblem } from './registry';
export { INPUT_LIMITS, readTextFile, documentProblems, deepNestingOffset } from './input-guard';
export type { ReadResult, StructureProblem } from './input-guard';
export { errorMessage } from './errors';

// Running, replaying, cleaning up.
export { runScenario, DEFAULT_SETTLE_MS, DEFAULT_PRECONDITIONS_TIMEOUT_MS } from './runtime/run-scenario';
export type { RunOptions } from './runtime/run-scenario';
export { replayScenario } from './runtime/replay';
export type { ReplayOptions } from './runtime/replay';
export { recoverEntry } from './runtime/recover';
export { createObserverPool } from './runtime/observer-pool';
export type { ObserverPool, ObserverPoolOptions } from './runtime/observer-pool';
export type { RecoverOptions, RecoverResult } from './runtime/recover';
export { createMemoryLedger } from './ledger';
export type { MemoryLedger } from './ledger';
export type { RunLedger, Ledger, LedgerEntry } from './contract';
export { systemClock, ManualClock } from './clock';
export type { Clock } from './clock';
export { silentLogger } from './logger';
export type { Logger } from './logger';
export { createTimeline } from './timeline';
export type { Timeline, TimelineOptions, AppendInput } from './timeline';

// The result model.
export type * from './result-types';

// The config file's type.
export { defineConfig } from './config';
export type { TesterConfig, PluginEntry, PluginSpec, ConfigDefaults } from './config';
export { configSchema, ownConfigKeys } from './config';
export type { ParsedTesterConfig, PluginKeyValue } from './config';
