/**
 * The shapes the CLI reads from `@tester/core`'s loader and runtime (TEAM.md "Core's public API").
 * Declared here structurally so the CLI depends only on what it reads; `core-bridge.ts` binds them to core.
 */
import type { Observation, TesterPlugin, Ledger, Logger, BlindSpan, FaultRecord } from '@tester/core';

/** One problem found while loading a scenario: printed as `file:line:col path: message`. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/** A loaded, validated scenario (the parts the CLI reads). */
export interface Scenario {
  file?: string;
  name: string;
  description?: string;
  timeoutMs: number;
  tags: string[];
  systems: string[];
  variables: Record<string, string>;
  actions: { id: string; type: string; plugin: string; params: unknown; line: number; column: number }[];
  expectations: { id: string; section: string; plugin: string; item: unknown; line: number; column: number }[];
  [key: string]: unknown;
}

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; problems: Problem[] };

/** A progress event from the runtime (`{ type: 'phase', phase }`, `{ type: 'expectation', id, status }`, ...). */
export interface ProgressEvent {
  type: string;
  phase?: string;
  id?: string;
  status?: string;
  provisional?: boolean;
  at?: number;
  [key: string]: unknown;
}

export type ScenarioStatus = 'passed' | 'failed' | 'error';

export interface ExpectationResult {
  id: string;
  section: string;
  description: string;
  status: ScenarioStatus | 'pending';
  message: string;
  evidence: Observation[];
  decidedAt?: number;
  line: number;
  column: number;
}

/** The result of one scenario run, as core's `runScenario` returns it. */
export interface ScenarioResult {
  runId: string;
  scenario: { name: string; file?: string; description?: string; tags: string[]; systems: string[] };
  status: ScenarioStatus;
  reason?: string;
  startedAt: string;
  durationMs: number;
  phases: { phase: string; startedAt: number; endedAt?: number }[];
  preconditions: { expression: string; status: string; message: string; line?: number; column?: number }[];
  actions: { id: string; type: string; plugin?: string; status: string; summary?: string; error?: ResultError; startedAt?: number; endedAt?: number }[];
  rollbacks: { actionId: string; description: string; status: 'ok' | 'failed' | 'not-run'; error?: ResultError; durationMs: number }[];
  expectations: ExpectationResult[];
  faults: FaultRecord[];
  window: { opensAt?: number; closesAt?: number; closed?: boolean };
  timings: { timeToDetectMs?: number; timeToRecoverMs?: number };
  observers: { source: string; plugin: string; readyAt?: number; blindSpans: BlindSpan[] }[];
  timeline: Observation[];
  timelineDropped: number;
  /** Errors of the run itself (observer start, ready, barrier, stop), each attributed. */
  errors?: ResultError[];
}

/** An error as a result carries it: code and message, never a stack. */
export interface ResultError {
  code: string;
  message: string;
  plugin?: string;
  hook?: string;
}

export interface RunScenarioOptions {
  plugins: TesterPlugin[];
  signal?: AbortSignal;
  runId?: string;
  logger?: Logger;
  ledger?: Ledger;
  onProgress?: (event: ProgressEvent) => void;
  timelineCap?: number;
}

/** The functions of core the CLI calls. */
export interface CoreApi {
  loadScenario(file: string, opts: { plugins: TesterPlugin[]; variables?: Record<string, string>; env?: Record<string, string | undefined> }): Promise<LoadResult>;
  runScenario(scenario: Scenario, opts: RunScenarioOptions): Promise<ScenarioResult>;
  scenarioJsonSchema(plugins: TesterPlugin[]): object;
}
