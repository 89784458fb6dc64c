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
  /** One of core's codes (`PLUGIN_ERROR`, `TIMEOUT`, ...). */
  code: string;
  /** Redacted. */
  message: string;
  /** With `PLUGIN_ERROR`: the plugin whose code threw. */
  plugin?: string;
  /** With `PLUGIN_ERROR`: the hook that threw (`actions.CHAOS.run`). */
  hook?: string;
  /**
   * With `PLUGIN_ERROR`: the code of the plugin's own error, when it had one (`ACTION_FAILED` when the control
   * plane answered 500, none for a `TypeError` in the plugin), so a report tells a failing system from a plugin bug.
   */
  pluginCode?: string;
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
  /**
   * `ok`: undone (the word the JSON report has always used here; everywhere else, and in the runtime's own types,
   * a success is `passed`).
   */
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

/**
 * What `tester replay` needs to re-judge a run exactly (with the timeline, faults, window and blind spans the
 * result already holds): the scenario's parts that place the window, and each moment the expectations were asked.
 */
export interface ReplayRecord {
  version: 1;
  /** What must not change in an edited scenario: the window depends on it, not on the expectations. */
  scenario: {
    systems: string[];
    timeoutMs: number;
    settleMs: number;
    afterMs: number;
    preconditions: string[];
    actions: { id: string; type: string; params: unknown; harmless?: boolean }[];
  };
  /** Each time the expectations were evaluated: `[timeline size, clock time, flags]` (flags: 1 window open, 2 closed). */
  evaluations: [number, number, number][];
  /** The timeline's size when the window opened: what came later may be an effect of the faults. */
  opensAtSize?: number;
  /** The run stopped with an error of its own (an action failed, an unknown reference, an abort). */
  fatal?: { code: string; message: string };
  /** How evaluation ended: every expectation decided, the timeout (and why), or stopped with a message. */
  end: { kind: 'decided' } | { kind: 'timeout'; why: string; stage: string } | { kind: 'stopped'; message: string };
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
  /** What a replay needs; absent when the run stopped before its observers were ready. */
  replay?: ReplayRecord;
}

/** Progress of a run, for reporters. */
export type ProgressEvent =
  | { type: 'phase'; phase: Phase; at: number }
  | { type: 'action'; id: string; status: 'started' | ActionResult['status']; at: number }
  | { type: 'expectation'; id: string; status: ExpectationStatus; provisional: boolean; at: number }
  | { type: 'rollback'; actionId: string; status: RollbackResult['status']; at: number }
  | { type: 'observer'; source: string; status: 'ready' | 'blind' | 'sighted'; reason?: string; at: number };
