/** The state one scenario run shares between its phases, and the small waiting helpers they use. */
import type { BlindSpan, FaultRecord, Interest, PluginContext, RunLedger, TesterPlugin, WindowState } from '../contract';
import type { Clock } from '../clock';
import { PluginError, TesterError, errorMessage } from '../errors';
import type { HookDriver } from '../hooks';
import type { Logger } from '../logger';
import { redactingLogger } from '../loggers';
import type { Redactor } from '../redact';
import type { Phase, PhaseRecord, ProgressEvent, ResultError } from '../result-types';
import type { Timeline } from '../timeline';

/** Wakes every waiter when something changed (an observation, a fault end, a blind span). */
export class Notifier {
  private waiters: Array<() => void> = [];
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Shared state of one run. */
export interface RunState {
  readonly runId: string;
  readonly clock: Clock;
  readonly timeline: Timeline;
  readonly redactor: Redactor;
  /** Every call into plugin code goes through it. */
  readonly hooks: HookDriver;
  readonly logger: Logger;
  readonly ledger: RunLedger;
  /** What the expectations asked observers to watch, collected before they start. */
  interests: Interest[];
  /** Aborted on the caller's abort (reason `ABORTED`), at the deadline (reason `TIMEOUT`), and when the run ends. */
  readonly controller: AbortController;
  readonly deadline: number;
  readonly window: WindowState;
  readonly faults: FaultRecord[];
  readonly blindSpans: BlindSpan[];
  readonly changed: Notifier;
  readonly urgency: Notifier;
  urgent: boolean;
  /** Each evaluation of the expectations, for a replay: `[timeline size, clock time, flags]`. */
  readonly evaluations: [number, number, number][];
  /** What settling waits for now, for the timeout's reason. */
  settleWaitingFor?: string;
  /**
   * Set while the window is being closed (the systems settled, the barriers at `end` asked): the observers whose
   * barrier has not resolved yet, for the timeout's reason.
   */
  closing?: { settledAt: number; end: number; pending: ReadonlySet<string> };
  readonly phases: PhaseRecord[];
  readonly errors: ResultError[];
  /** Set once the run is over: late callbacks (fault ends, records) are then ignored. */
  finished: boolean;
  progress(event: ProgressEvent): void;
  /** Configuration of each plugin (`plugin.options`). */
  configOf(plugin: TesterPlugin): unknown;
}

/** Starts a phase, closing the previous one. */
export function enterPhase(run: RunState, phase: Phase): void {
  const now = run.clock.now();
  const previous = run.phases[run.phases.length - 1];
  if (previous && previous.endedAt === undefined) previous.endedAt = now;
  run.phases.push({ phase, startedAt: now });
  run.progress({ type: 'phase', phase, at: now });
}

/** Closes the current phase. */
export function endPhase(run: RunState): void {
  const previous = run.phases[run.phases.length - 1];
  if (previous && previous.endedAt === undefined) previous.endedAt = run.clock.now();
}

/** The plain context every hook of `plugin` gets. */
export function pluginContext(run: RunState, plugin: TesterPlugin, hook: string): PluginContext {
  return {
    runId: run.runId,
    timeline: run.timeline,
    signal: run.controller.signal,
    logger: redactingLogger(run.logger, run.redactor, { plugin: plugin.name, hook }),
    clock: run.clock,
    config: run.configOf(plugin),
    registerSecret: (value) => run.redactor.add(value),
  };
}

/** Waits until something changes, clock time `at` passes, or the run's signal aborts. */
export async function waitForChange(run: RunState, at: number): Promise<void> {
  const local = new AbortController();
  const stop = () => local.abort();
  run.controller.signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.race([run.changed.wait(), run.clock.until(at, local.signal).catch(() => {})]);
  } finally {
    local.abort();
    run.controller.signal.removeEventListener('abort', stop);
  }
}

/** An error as a result carries it: code, redacted message, attribution. */
export function toResultError(run: Pick<RunState, 'redactor'>, error: unknown): ResultError {
  const out: ResultError = {
    code: error instanceof TesterError ? String(error.code) : 'ERROR',
    message: run.redactor.text(errorMessage(error)),
  };
  if (error instanceof PluginError) {
    out.plugin = error.plugin;
    out.hook = error.hook;
  }
  return out;
}
