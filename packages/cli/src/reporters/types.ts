import type { ProgressEvent, ScenarioResult } from '@tester/core/runner';

/** A scenario's status in the suite report: a run's verdict, `flaky` (verdicts differed across `--repeat`), or `not-run`. */
export type EntryStatus = 'passed' | 'failed' | 'error' | 'flaky' | 'not-run';

/** One scenario in the suite report. */
export interface ScenarioEntry {
  /** The scenario file, relative to the config's folder, with `/` separators. */
  file: string;
  name: string;
  tags: string[];
  systems: string[];
  status: EntryStatus;
  /** Why it did not run (`fail-fast`, `interrupted`), or why it is flaky. */
  reason?: string;
  /** Every run of it (one per `--repeat`), oldest first. */
  attempts: ScenarioResult[];
}

/**
 * The suite report: what the `json` reporter writes, `merge-reports` reads, and every reporter renders.
 * Its JSON Schema is `tester schema --report`.
 */
export interface SuiteReport {
  reportVersion: 1;
  tool: { name: string; version: string };
  runId: string;
  startedAt: string;
  durationMs: number;
  /** `interrupted`: a signal stopped the run (exit 130/143). */
  status: 'passed' | 'failed' | 'interrupted';
  /** The shard this report covers; absent for a full or merged run. */
  shard?: { index: number; total: number };
  /** For a merged report: the shards it was made of. */
  mergedFrom?: { runId: string; shard?: { index: number; total: number } }[];
  summary: { total: number; passed: number; failed: number; error: number; flaky: number; notRun: number };
  scenarios: ScenarioEntry[];
}

/** A scenario about to run, as reporters see it before it has a result. */
export interface PlannedScenario {
  file: string;
  name: string;
  systems: string[];
  /** Number of expectations, for "n pending" progress. */
  expectations?: number;
}

/**
 * A reporter. Hooks are called in this order: `onRunStart`, then per scenario `onScenarioStart`, `onProgress`*,
 * `onScenarioEnd` (scenarios may interleave with concurrency), then `onRunEnd` once. Every call goes through
 * the multiplexer, which catches and attributes a throw so one broken reporter cannot break the others.
 */
export interface Reporter {
  readonly name: string;
  onRunStart?(planned: readonly PlannedScenario[]): void;
  onScenarioStart?(scenario: PlannedScenario, attempt: number): void;
  onProgress?(scenario: PlannedScenario, event: ProgressEvent): void;
  onScenarioEnd?(scenario: PlannedScenario, result: ScenarioResult): void;
  onRunEnd?(report: SuiteReport): void | Promise<void>;
  /** A message for people (warnings, interruption notices). */
  onMessage?(level: 'info' | 'warn' | 'error', text: string): void;
}

/**
 * Makes a reporter: what each built-in is, and what a reporter module exports by default (`--reporter
 * ./my-reporter.mjs`). It may return a promise; it runs once, before the first scenario.
 */
export type ReporterFactory = (ctx: ReporterContext) => Reporter | Promise<Reporter>;

/** What a reporter factory gets. */
export interface ReporterContext {
  /** Output file from `name=path`, absolute; `undefined` for stdout. */
  outputFile: string | undefined;
  /** Folder scenario paths are relative to (for annotations). */
  rootDir: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

/** Sums a report's entries by status. */
export function summarize(scenarios: readonly ScenarioEntry[]): SuiteReport['summary'] {
  const count = (s: EntryStatus) => scenarios.filter((e) => e.status === s).length;
  return { total: scenarios.length, passed: count('passed'), failed: count('failed'), error: count('error'), flaky: count('flaky'), notRun: count('not-run') };
}

/** The status of a scenario over its attempts: their common verdict, or `flaky` when they differ. */
export function entryStatus(attempts: readonly ScenarioResult[]): EntryStatus {
  if (attempts.length === 0) return 'not-run';
  const statuses = new Set(attempts.map((a) => a.status));
  return statuses.size > 1 ? 'flaky' : (attempts[0] as ScenarioResult).status;
}
