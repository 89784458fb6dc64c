/**
 * The state one scenario run shares between its phases. Every change goes through one of its methods (record a
 * fault, mark an observer blind, close the window, add an error, ...): read it anywhere, write it only here.
 */
import type { BlindSpan, FaultRecord, InjectedFault, Interest, PluginContext, RunLedger, TesterPlugin, WindowState } from '../contract';
import type { Clock } from '../clock';
import { ErrorCodes, PluginError, TesterError, errorMessage } from '../errors';
import { HookDriver } from '../hooks';
import { type Logger, redactingLogger } from '../logger';
import { type FaultData, ObservationKinds, type ObservationRef } from '../observation';
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

/** What a run starts with. */
export interface RunStateInit {
  runId: string;
  clock: Clock;
  timeline: Timeline;
  redactor: Redactor;
  /** The run's logger, already redacting. */
  logger: Logger;
  ledger: RunLedger;
  /** Aborted on the caller's abort (reason `ABORTED`), at the deadline (reason `TIMEOUT`), and when the run ends. */
  controller: AbortController;
  /** Clock time of the scenario's timeout. */
  deadline: number;
  /** Progress for reporters; a throw is ignored. */
  onProgress?: (event: ProgressEvent) => void;
}

/** While the window is being closed (the systems settled, the barriers at `end` asked), for the timeout's reason. */
export interface Closing {
  settledAt: number;
  end: number;
  /** The observers whose barrier has not resolved yet. */
  pending: ReadonlySet<string>;
}

/** Shared state of one run. See the module comment. */
export class RunState {
  readonly runId: string;
  readonly clock: Clock;
  readonly timeline: Timeline;
  readonly redactor: Redactor;
  readonly logger: Logger;
  readonly ledger: RunLedger;
  readonly controller: AbortController;
  readonly deadline: number;
  /** Every call into plugin code goes through it. */
  readonly hooks: HookDriver;
  /** Wakes the evaluation loop: an observation, a fault end, a blind span. */
  readonly changed = new Notifier();
  /** Wakes observers waiting on {@link RunState.urgent}. */
  readonly urgency = new Notifier();

  private readonly state = {
    interests: [] as Interest[],
    window: { opensAt: undefined, closesAt: undefined, closed: false } as WindowState,
    faults: [] as FaultRecord[],
    blindSpans: [] as BlindSpan[],
    phases: [] as PhaseRecord[],
    errors: [] as ResultError[],
    evaluations: [] as [number, number, number][],
    urgent: false,
    finished: false,
    settleWaitingFor: undefined as string | undefined,
    closing: undefined as Closing | undefined,
  };
  private readonly onProgress: ((event: ProgressEvent) => void) | undefined;

  constructor(init: RunStateInit) {
    this.runId = init.runId;
    this.clock = init.clock;
    this.timeline = init.timeline;
    this.redactor = init.redactor;
    this.logger = init.logger;
    this.ledger = init.ledger;
    this.controller = init.controller;
    this.deadline = init.deadline;
    this.onProgress = init.onProgress;
    this.hooks = new HookDriver({ clock: init.clock, redactor: init.redactor, signal: init.controller.signal });
  }

  // -------------------------------------------------------------------------------------------------------
  // Reading

  /** What the expectations asked observers to watch, collected before they start. */
  get interests(): readonly Interest[] {
    return this.state.interests;
  }
  /** The window as placed so far. */
  get window(): Readonly<WindowState> {
    return this.state.window;
  }
  /** The faults the actions injected, in order. */
  get faults(): readonly Readonly<FaultRecord>[] {
    return this.state.faults;
  }
  /** Every observer's blind spans, in the order they began. */
  get blindSpans(): readonly Readonly<BlindSpan>[] {
    return this.state.blindSpans;
  }
  get phases(): readonly Readonly<PhaseRecord>[] {
    return this.state.phases;
  }
  /** Errors of the run itself, each attributed and redacted. */
  get errors(): readonly ResultError[] {
    return this.state.errors;
  }
  /** Each evaluation of the expectations, for a replay: `[timeline size, clock time, flags]`. */
  get evaluations(): readonly (readonly [number, number, number])[] {
    return this.state.evaluations;
  }
  /** `true` while actions run or expectations wait: pollers use their fast interval. */
  get urgent(): boolean {
    return this.state.urgent;
  }
  /** Set once the run is over: late callbacks (fault ends, records, blindness) are then ignored. */
  get finished(): boolean {
    return this.state.finished;
  }
  /** What settling waits for now, for the timeout's reason. */
  get settleWaitingFor(): string | undefined {
    return this.state.settleWaitingFor;
  }
  /** Set while the window is being closed. */
  get closing(): Closing | undefined {
    return this.state.closing;
  }

  // -------------------------------------------------------------------------------------------------------
  // Writing

  /** Reports progress; a reporter's throw is ignored (a reporter's bug must not change a verdict). */
  progress(event: ProgressEvent): void {
    try {
      this.onProgress?.(event);
    } catch {
      // See above.
    }
  }

  /** Records what the expectations asked observers to watch. */
  declareInterests(interests: readonly Interest[]): void {
    this.state.interests = [...interests];
  }

  /** Adds an error of the run (attributed, redacted) and returns it as the result carries it. */
  addError(error: unknown): ResultError {
    const resultError = toResultError(this, error);
    this.state.errors.push(resultError);
    return resultError;
  }

  /** Starts a phase, closing the previous one. */
  enterPhase(phase: Phase): void {
    const now = this.clock.now();
    this.endPhase();
    this.state.phases.push({ phase, startedAt: now });
    this.progress({ type: 'phase', phase, at: now });
  }

  /** Closes the current phase. */
  endPhase(): void {
    const previous = this.state.phases.at(-1);
    if (previous && previous.endedAt === undefined) previous.endedAt = this.clock.now();
  }

  /** Says whether an expectation waits on new observations now (observers poll fast while it does). */
  setUrgent(urgent: boolean): void {
    if (this.state.urgent === urgent) return;
    this.state.urgent = urgent;
    this.urgency.notify();
  }

  /** Opens the window at `at`, when the first action starts. Later calls change nothing. */
  openWindow(at: number): void {
    this.state.window.opensAt ??= at;
  }

  /** Says what settling waits for now. */
  waitForSettling(waitingFor: string | undefined): void {
    this.state.settleWaitingFor = waitingFor;
  }

  /** The systems settled at `settledAt`; the window's end `end` is being confirmed by the observers' barriers. */
  beginClosing(settledAt: number, end: number): Set<string> {
    const pending = new Set<string>();
    this.state.closing = { settledAt, end, pending };
    return pending;
  }

  /** Every barrier resolved: closing is over (the window closes, or settling goes on). */
  endClosing(): void {
    this.state.closing = undefined;
  }

  /** Closes the window: the systems settled at `settledAt`, and every observer saw up to `closesAt`. */
  closeWindow(settledAt: number, closesAt: number): void {
    Object.assign(this.state.window, { settledAt, closesAt, closed: true });
  }

  /** Records a moment the expectations were asked, for a replay, and returns it: the pass's one "now". */
  noteEvaluation(): number {
    const { window } = this.state;
    const at = this.clock.now();
    this.state.evaluations.push([this.timeline.size, at, (window.opensAt === undefined ? 0 : 1) | (window.closed ? 2 : 0)]);
    return at;
  }

  /** Records a fault's start now, and its end when the system under test reports it. */
  recordFault(actionId: string, fault: InjectedFault, harmless: boolean): void {
    const record: FaultRecord = { id: fault.id, system: fault.system, fault: fault.fault, actionId, startedAt: fault.startedAt, endedAt: undefined, ...(harmless ? { harmless } : {}) };
    this.state.faults.push(record);
    const data: FaultData = { id: fault.id, system: fault.system, fault: fault.fault, actionId };
    const what = `fault ${fault.id} (${fault.fault} on ${fault.system})`;
    this.pinned({ kind: ObservationKinds.faultStarted, subject: fault.system, data, ref: fault.ref ?? { type: 'runtime', detail: `${what} started by ${actionId}` } });
    this.changed.notify();
    fault.ended.then(
      (endedAt) => {
        if (this.finished) return;
        record.endedAt = endedAt;
        this.pinned({ kind: ObservationKinds.faultEnded, subject: fault.system, data, ref: { type: 'runtime', detail: `${what} ended` } });
        this.changed.notify();
      },
      (error: unknown) => {
        if (this.finished) return;
        // The end is unknown: close the fault now so the window can still close, and say why in the result.
        record.endedAt = this.clock.now();
        this.addError(new TesterError(ErrorCodes.ACTION_FAILED, `the end of fault ${fault.id} on ${fault.system} is unknown: ${toResultError(this, error).message}`));
        this.changed.notify();
      },
    );
  }

  /**
   * Records that an observer became blind: the span (already placed by its observer), a pinned `observer.blind`
   * observation with `ref`, progress, and a wake-up of the evaluation. Ignored once the run is over.
   */
  markBlind(span: BlindSpan, ref: ObservationRef): void {
    if (this.finished) return;
    const now = this.clock.now();
    this.state.blindSpans.push(span);
    const { source, resource } = span;
    this.pinned({
      kind: ObservationKinds.observerBlind,
      subject: source,
      data: { source, reason: span.reason, ...(resource ? { resource } : {}), ...(span.from < now ? { since: span.from } : {}) },
      ref,
    });
    this.progress({ type: 'observer', source, status: 'blind', reason: resource ? `${resource}: ${span.reason}` : span.reason, at: span.from });
    this.changed.notify();
  }

  /** Ends a blind span now: a pinned `observer.sighted` observation, progress, a wake-up. Ignored once the run is over. */
  markSighted(span: BlindSpan): void {
    if (this.finished) return;
    span.to = this.clock.now();
    const { source, resource } = span;
    this.pinned({
      kind: ObservationKinds.observerSighted,
      subject: source,
      data: { source, ...(resource ? { resource } : {}) },
      ref: { type: 'runtime', detail: `observer ${source}${resource ? ` (${resource})` : ''} sees again` },
    });
    this.progress({ type: 'observer', source, status: 'sighted', at: span.to });
    this.changed.notify();
  }

  /** Ends a span still open when its observer stopped, so the report says until when it was blind. */
  closeSpan(span: BlindSpan): void {
    span.to = this.clock.now();
  }

  /** The run is over: late callbacks are ignored from now on. */
  finish(): void {
    this.state.finished = true;
  }

  // -------------------------------------------------------------------------------------------------------
  // A replay shows the evaluators each recorded moment as the live run had it.

  /** Replay: the window as it was at a recorded moment. */
  restoreWindow(window: WindowState): void {
    Object.assign(this.state.window, window);
  }

  /** Replay: a recorded fault, as it started. */
  restoreFault(record: FaultRecord): void {
    this.state.faults.push({ ...record, endedAt: undefined });
  }

  /** Replay: the recorded end of a fault. */
  restoreFaultEnd(id: string, endedAt: number | undefined): void {
    const live = this.state.faults.find((f) => f.id === id);
    if (live) live.endedAt = endedAt;
  }

  /** Replay: the blind spans as they were known at a recorded moment. */
  restoreBlindSpans(spans: readonly BlindSpan[]): void {
    this.state.blindSpans.length = 0;
    this.state.blindSpans.push(...spans);
  }

  private pinned(input: { kind: string; subject: string; data: unknown; ref: ObservationRef }): void {
    const observation = this.timeline.record(input, 'runtime', this.clock.now());
    this.timeline.pin(observation.seq);
  }
}

/** The plain context every hook of `plugin` gets. Its config is the plugin's parsed options. */
export function pluginContext(run: RunState, plugin: TesterPlugin, hook: string): PluginContext {
  return {
    runId: run.runId,
    timeline: run.timeline,
    signal: run.controller.signal,
    logger: redactingLogger(run.logger, run.redactor, { plugin: plugin.name, hook }),
    clock: run.clock,
    config: plugin.options,
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
    if (error.pluginCode !== undefined) out.pluginCode = error.pluginCode;
  }
  return out;
}
