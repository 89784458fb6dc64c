/**
 * `@tester/cli`: the `tester` command, and the functions it is a thin wrapper around, for custom harnesses.
 */
export { main, createProgram } from './main';
export { cliVersion } from './version';
export { EXIT } from './exit-codes';
export { CliError } from './errors';
export { defineConfig, type TesterConfig, type ConfigDefaults } from '@tester/core/runner';
export type { PluginEntry } from './config/schema';
export { loadConfig, findConfigFile, CONFIG_NAMES, type LoadedConfig } from './config/load';
export { resolveSettings, ENV_VARS, type Settings, type CommonFlags } from './config/settings';
export { loadPlugins, BUILTIN_PLUGINS, type PluginSpec } from './config/plugins';
export { FileLedger } from './run/ledger';
export { schedule, type Job, type JobOutcome } from './run/scheduler';
export { selectShard } from './run/shard';
export { mergeReports } from './reporters/merge';
export { renderJunit } from './reporters/junit';
export { renderHtml } from './reporters/html';
export { githubAnnotations, githubSummary } from './reporters/github';
export { REPORT_JSON_SCHEMA } from './reporters/report-schema';
export type { SuiteReport, ScenarioEntry, EntryStatus, Reporter, ReporterContext, PlannedScenario } from './reporters/types';
export type { ScenarioResult, ExpectationResult, Problem } from '@tester/core/runner';
