/** The result model of one scenario run. Times are clock times (ms) unless the name says ISO. */
import type { BlindSpan, FaultRecord, VerdictStatus } from './contract';
import type { Observation } from './observation';

/** The status of a scenario: {@link VerdictStatus}. */
export type ScenarioStatus = VerdictStatus;

/**
 * The status of an expectation: a {@link VerdictStatus}, or `undecided`: the scenario timed out before the
 * system settled, and nothing contradicted this expectation (so it is not blamed), but nothing confirmed it
 * either. A scenario with undecided expectations is never `passed`.
 */
export type ExpectationStatus = VerdictStatus | 'undecided';

/** The run's phases, in order. */
export type Phase = 'observers' | 'preconditions' | 'actions' | 'evaluation' | 'barriers' | 'rollbacks' | 'stopping';

/** A phase and when it ran. */
export interface PhaseRecord {
  phase: Phase;
  startedAt: number;
  endedAt?: number;
}

/** An error as a result carries it: code and message, never a stack. */
export interface ResultError {
  code: string;
  message: string;
  plugin?: string;
  hook?: string;
}

export interface PreconditionResult {
  expression: string;
  status: VerdictStatus;
  message: string;
  line: number;
  column: number;
}

export interface ActionResult {
  id: string;
  type: string;
  plugin: string;
  status: VerdictStatus | 'not-run';
  summary?: string;
  error?: ResultError;
  startedAt?: number;
  endedAt?: number;
}

export interface RollbackResult {
  actionId: string;
  description: string;
  status: 'ok' | 'failed' | 'not-run';
  error?: ResultError;
  durationMs: number;
}

export interface ExpectationResult {
  /** `events[0]`. */
  id: string;
  section: string;
  plugin: string;
  description: string;
  status: ExpectationStatus;
  message: string;
  /** The observations that decided it (retained even past the timeline cap). */
  evidence: Observation[];
  /** Clock time at which it was decided. */
  decidedAt?: number;
  line: number;
  column: number;
}

export interface ObserverResult {
  source: string;
  plugin: string;
  readyAt?: number;
  blindSpans: BlindSpan[];
}

/** The window as the run placed it, with the parameters that placed it (a replay needs them). */
export interface ScenarioWindowResult {
  /** When the first action started. */
  opensAt?: number;
  /** When the scenario's systems settled (quiet for `settleMs` after the last relevant observation). */
  settledAt?: number;
  /** The window's end T: `settledAt + afterMs`. */
  closesAt?: number;
  closed: boolean;
  /** `window.settle` in force. */
  settleMs: number;
  /** `window.after` in force. */
  afterMs: number;
  /** The last relevant observations before the window closed (or before the timeout), newest last, by `seq`. */
  lastChanges?: number[];
}

/** Derived figures (DESIGN.md "Observations and evidence"). */
export interface ScenarioTimings {
  /** First fault start -> first observation of the fault (a state away from healthy, or an event of its system). */
  timeToDetectMs?: number;
  /** Last fault end -> the final state observation of the faulted system. */
  timeToRecoverMs?: number;
}

/** Everything about one scenario run. */
export interface ScenarioResult {
  runId: string;
  scenario: { name: string; file?: string; description?: string; tags: string[]; systems: string[] };
  status: ScenarioStatus;
  /** Why the scenario is not `passed`, in one line. */
  reason?: string;
  /** Wall-clock start, ISO. */
  startedAt: string;
  durationMs: number;
  phases: PhaseRecord[];
  preconditions: PreconditionResult[];
  /** How long the run waited for the preconditions to hold (they are awaited, bounded by `preconditions_timeout`). */
  preconditionsWaitedMs?: number;
  actions: ActionResult[];
  rollbacks: RollbackResult[];
  expectations: ExpectationResult[];
  faults: FaultRecord[];
  window: ScenarioWindowResult;
  timings: ScenarioTimings;
  observers: ObserverResult[];
  /** The retained observations, in order (see `timelineCap`). */
  timeline: Observation[];
  /** Observations evicted by the timeline cap. */
  timelineDropped: number;
  /** Errors of the run itself (observer start, ready, barrier, stop), each attributed. */
  errors: ResultError[];
}

/** Progress of a run, for reporters. */
export type ProgressEvent =
  | { type: 'phase'; phase: Phase; at: number }
  | { type: 'action'; id: string; status: 'started' | ActionResult['status']; at: number }
  | { type: 'expectation'; id: string; status: ExpectationStatus; provisional: boolean; at: number }
  | { type: 'rollback'; actionId: string; status: RollbackResult['status']; at: number }
  | { type: 'observer'; source: string; status: 'ready' | 'blind' | 'sighted'; reason?: string; at: number };
