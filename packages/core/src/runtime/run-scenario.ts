/**
 * `runScenario`: DESIGN.md's lifecycle. Observers start (in parallel) and become ready -> preconditions ->
 * actions in order -> continuous evaluation -> the window's end T, then every observer's `barrier(T)` ->
 * final verdicts -> rollbacks (on every exit path) -> observers stopped -> result. No fixed sleeps: every wait
 * is a condition (something changed) or a deadline on the injectable clock.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock';
import type { RunLedger, TesterPlugin } from '../contract';
import { abortAt } from '../deadline';
import { formatMs } from '../duration';
import { ErrorCodes, TesterError } from '../errors';
import { createMemoryLedger } from '../ledger';
import { type Logger, redactingLogger, silentLogger } from '../logger';
import { Redactor } from '../redact';
import { type PluginRegistry, createRegistry } from '../registry';
import type { PreconditionResult, ProgressEvent, ReplayRecord, ScenarioResult } from '../result-types';
import type { Scenario } from '../scenario-types';
import { createTimeline } from '../timeline';
import { type ActionsRun, runActions } from './actions';
import { Evaluation, collectInterests } from './evaluation';
import { type ObserverEntry, barriers, collectObservers, observerResults, startObservers, stopObservers } from './observers';
import { awaitPreconditions } from './preconditions';
import { Settling, faultsWithoutEffect } from './settling';
import { describeChanges, scenarioVerdict } from './verdict';
import { runRollbacks } from './rollbacks';
import { RunState, toResultError, waitForChange } from './run-state';
import { deriveTimings } from './timings';
import type { ObserverPool } from './observer-pool';

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** The plugins providing observers, action types and expectation sections. */
  plugins: readonly TesterPlugin[];
  /** Aborting it stops the run now: rollbacks still run, observers are still stopped. The CLI wires SIGINT/SIGTERM here. */
  signal?: AbortSignal;
  /** @default systemClock() */
  clock?: Clock;
  /** @default a random UUID */
  runId?: string;
  /** Where the run and the plugins log (through secret redaction). @default silent */
  logger?: Logger;
  /** Where actions record injections before relying on them. @default an in-memory ledger */
  ledger?: RunLedger;
  /** Called on every phase, action, expectation, rollback and observer change. Must not throw (throws are ignored). */
  onProgress?: (event: ProgressEvent) => void;
  /** Observations retained in the timeline (evidence is always kept). @default 100000 */
  timelineCap?: number;
  /** Bound of each rollback (and of waiting for an action still running to hand over its rollback). @default 30000 */
  rollbackTimeoutMs?: number;
  /** Bound of each observer's `stop()`. @default 10000 */
  stopTimeoutMs?: number;
  /** `window.settle` for scenarios that set none (the config's `defaults.settle`). @default 2000 */
  settleMs?: number;
  /**
   * How long to await the preconditions in scenarios that set no `preconditions_timeout`
   * (the config's `defaults.preconditionsTimeout`). @default 15000, at most half the scenario's timeout
   */
  preconditionsTimeoutMs?: number;
  /**
   * Shared observer sessions ({@link createObserverPool}): observers that declare `share` join the pool's one
   * session per source instead of starting their own. The caller closes the pool when its runs are over.
   */
  observerPool?: ObserverPool;
}

/** Default of {@link RunOptions.settleMs}. */
export const DEFAULT_SETTLE_MS = 2000;
/** Default of {@link RunOptions.preconditionsTimeoutMs}. */
export const DEFAULT_PRECONDITIONS_TIMEOUT_MS = 15_000;

function createRun(scenario: Scenario, options: RunOptions, controller: AbortController): RunState {
  const clock = options.clock ?? systemClock();
  const redactor = new Redactor();
  const runId = options.runId ?? randomUUID();
  return new RunState({
    runId,
    clock,
    timeline: createTimeline({ cap: options.timelineCap }),
    redactor,
    logger: redactingLogger(options.logger ?? silentLogger(), redactor, { runId, scenario: scenario.name }),
    ledger: options.ledger ?? createMemoryLedger({ runId }),
    controller,
    deadline: clock.now() + scenario.timeoutMs,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

type EvaluationEnd = 'decided' | 'timeout' | 'aborted' | { barrierError: unknown };

/**
 * Evaluates until the window is closed and every expectation is decided, the deadline passes, or the run is
 * aborted. The window closes once the scenario's systems settled (see {@link Settling}) and every observer's
 * barrier at T = settled + after resolved; a relevant observation that arrives while closing means the systems
 * had not settled, and settling goes on.
 */
async function evaluateUntilDecided(run: RunState, evaluation: Evaluation, observers: ObserverEntry[], settling: Settling, settleMs: number, afterMs: number): Promise<EvaluationEnd> {
  for (;;) {
    evaluation.evaluate();
    if (run.controller.signal.aborted) return (run.controller.signal.reason as TesterError).code === ErrorCodes.TIMEOUT ? 'timeout' : 'aborted';
    if (run.window.closed) {
      if (evaluation.allFinal()) return 'decided';
      await waitForChange(run, Math.min(run.deadline, evaluation.nextRecheckAt()));
      continue;
    }
    const state = settling.check(run.clock.now(), run.faults, settleMs);
    if (!state.settled) {
      run.waitForSettling(state.waitingFor);
      await waitForChange(run, Math.min(state.recheckAt, run.deadline, evaluation.nextRecheckAt()));
      continue;
    }
    const end = state.settledAt + afterMs;
    if (run.clock.now() < end) {
      await waitForChange(run, Math.min(end, run.deadline, evaluation.nextRecheckAt()));
      continue;
    }
    const activityBefore = settling.lastActivityAt;
    run.enterPhase('barriers');
    const pending = run.beginClosing(state.settledAt, end);
    try {
      if (!(await barriers(run, observers, end, pending))) continue; // aborted or timed out: the loop's top says which
    } catch (error) {
      return { barrierError: error };
    }
    run.endClosing();
    run.enterPhase('evaluation');
    // Closing brought in something the systems did inside the quiet period: they had not settled.
    if (settling.lastActivityAt > activityBefore) continue;
    run.closeWindow(state.settledAt, end);
  }
}

/**
 * Why the run could not wait any longer, at the timeout: the systems never settled (and what settling waited
 * for), or they settled but an observer never caught up to the window's end, or the window closed but an
 * expectation was still undecided.
 */
function timeoutWhy(run: RunState, timeoutMs: number): string {
  const within = `within the ${formatMs(timeoutMs)} timeout`;
  const rel = (t: number) => `+${formatMs(t - (run.window.opensAt ?? 0))}`;
  if (run.window.closed) return `not every expectation was decided ${within}, although the window closed at ${rel(run.window.closesAt ?? 0)}`;
  if (run.closing) {
    const { settledAt, end, pending } = run.closing;
    return `the window never closed ${within}: the systems settled at ${rel(settledAt)}, but observer(s) ${[...pending].join(', ')} never caught up to its end T = ${rel(end)} (barrier)`;
  }
  return `the systems never settled ${within} (waiting for ${run.settleWaitingFor ?? 'the window to close'})`;
}

/** What the run was still waiting for when it timed out, for the reason of a failure at the timeout. */
function timeoutStage(run: RunState): string {
  if (run.window.closed) return 'although the window had closed';
  return run.closing ? 'before the window could close' : 'before the systems settled';
}

/** The text of the caller's abort reason (`interrupted by SIGINT`), or `the run was aborted` when it gives none. */
function abortText(reason: unknown): string {
  const text = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  // AbortController.abort() without a reason gives a DOMException "This operation was aborted": say it our way.
  return text && !(reason instanceof Error && reason.name === 'AbortError') ? text : 'the run was aborted';
}

/**
 * Runs one scenario and returns its result. Never throws for anything that happens during the run (plugin
 * errors, timeouts, aborts are in the result); throws only for a broken plugin set (`PLUGIN_API_MISMATCH`,
 * `CONFIG_INVALID`), before anything started.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const registry: PluginRegistry = createRegistry(options.plugins);
  const controller = new AbortController();
  const run = createRun(scenario, options, controller);
  const { clock } = run;
  const startedAt = clock.now();
  const startedWall = new Date(clock.wallNow()).toISOString();

  // The caller's reason, when it gives one (the CLI's is `interrupted by SIGINT`), is the scenario's reason.
  const onAbort = () => controller.abort(new TesterError(ErrorCodes.ABORTED, abortText(options.signal?.reason)));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const cancelDeadline = abortAt(clock, run.deadline, controller, () => new TesterError(ErrorCodes.TIMEOUT, `the scenario timed out after ${scenario.timeoutMs} ms`));

  const observers = collectObservers(options.plugins);
  const settleMs = scenario.window.settleMs ?? options.settleMs ?? DEFAULT_SETTLE_MS;
  const preconditionsBound = scenario.preconditionsTimeoutMs ?? Math.min(options.preconditionsTimeoutMs ?? DEFAULT_PRECONDITIONS_TIMEOUT_MS, scenario.timeoutMs / 2);
  const settling = new Settling(scenario.systems);
  let fatal: { code: string; message: string } | undefined;
  let preconditions: PreconditionResult[] = scenario.preconditions.map((p) => ({ ...p, status: 'error', message: 'not evaluated' }));
  let preconditionsWaitedMs: number | undefined;
  let actions: ActionsRun = { results: [], rollbacks: [], late: [] };
  let evaluation: Evaluation | undefined;
  let timedOut = false;
  let ending: ReplayRecord['end'] = { kind: 'decided' };
  let opensAtSize: number | undefined;
  let evaluatedUntil = startedAt;

  try {
    run.enterPhase('observers');
    run.declareInterests(collectInterests(run, scenario.expectations, registry));
    await startObservers(run, observers, options.observerPool);

    // Evaluators see everything from the initial state on; settling tracks what is in progress from the start.
    evaluation = new Evaluation(run, scenario.expectations, registry);
    evaluation.attach((o) => settling.observe(o));
    // What can be judged before anything runs is judged now: an unknown system, policy or metric is an error
    // before a fault is injected, not at the timeout.
    evaluation.evaluate();
    const early = evaluation.errors();
    if (early.length) throw new TesterError(ErrorCodes.UNKNOWN_REFERENCE, `nothing was injected: ${early.map((e) => `${e.id}: ${e.message}`).join('; ')}`);

    run.enterPhase('preconditions');
    const awaited = await awaitPreconditions(scenario.preconditions, run.timeline, clock, preconditionsBound, controller.signal, () => settling.busy());
    preconditions = awaited.results;
    preconditionsWaitedMs = awaited.waitedMs;
    if (controller.signal.aborted) throw controller.signal.reason;
    const unmet = preconditions.find((p) => p.status !== 'passed');
    if (unmet) throw new TesterError(ErrorCodes.PRECONDITION_NOT_MET, unmet.message);
    // Starting while the systems are still busy (a previous scenario's drift not yet reconciled) would judge that.
    if (awaited.busy) throw new TesterError(ErrorCodes.PRECONDITION_NOT_MET, `the scenario's systems were still busy before any action: ${awaited.busy}`);

    run.setUrgent(true);
    run.enterPhase('actions');
    run.openWindow(clock.now());
    opensAtSize = run.timeline.size;
    settling.open(clock.now());
    actions = await runActions(run, scenario.actions, registry);
    if (actions.failure) throw new TesterError(actions.failure.code, actions.failure.message);

    run.enterPhase('evaluation');
    const end = await evaluateUntilDecided(run, evaluation, observers, settling, settleMs, scenario.window.afterMs);
    if (end === 'timeout') {
      timedOut = true;
      ending = { kind: 'timeout', why: timeoutWhy(run, scenario.timeoutMs), stage: timeoutStage(run) };
      evaluation.timeout(ending.why);
    } else if (end === 'aborted') {
      throw controller.signal.reason;
    } else if (typeof end === 'object') {
      const error = run.addError(end.barrierError);
      ending = { kind: 'stopped', message: `the window could not be closed: ${error.message}` };
      evaluation.settlePending('error', ending.message);
    }
  } catch (error) {
    const resultError = toResultError(run, error);
    if (resultError.code === ErrorCodes.TIMEOUT) timedOut = true;
    fatal = { code: resultError.code, message: resultError.message };
    if (!(error instanceof TesterError) || error.code === ErrorCodes.PLUGIN_ERROR) run.addError(error);
    ending = { kind: 'stopped', message: `not decided: ${resultError.message}` };
    evaluation?.settlePending('error', ending.message);
  } finally {
    evaluatedUntil = clock.now();
    run.setUrgent(false);
    evaluation?.detach();
    run.enterPhase('rollbacks');
  }

  const rollbacks = await runRollbacks(run, actions, options.rollbackTimeoutMs ?? 30_000);
  run.enterPhase('stopping');
  await stopObservers(run, observers, options.stopTimeoutMs ?? 10_000);
  run.endPhase();
  run.finish();
  cancelDeadline();
  options.signal?.removeEventListener('abort', onAbort);
  if (!controller.signal.aborted) controller.abort(new TesterError(ErrorCodes.ABORTED, 'the run is over'));

  const expectations =
    evaluation?.results() ??
    scenario.expectations.map((e) => ({
      id: e.id, section: e.section, plugin: e.plugin, description: e.id, status: 'error' as const,
      message: `not evaluated: ${fatal?.message ?? 'the run stopped before evaluation'}`, evidence: [], line: e.line, column: e.column,
    }));
  const blind = evaluation?.blindSummary(evaluatedUntil);
  const lastChanges = [...settling.lastChanges];
  const noEffect = !fatal && run.window.opensAt !== undefined ? faultsWithoutEffect(run.faults, settling, run.window.closesAt ?? run.clock.now()) : [];
  const why = timedOut ? timeoutWhy(run, scenario.timeoutMs) : undefined;
  const { status, reason } = scenarioVerdict({
    ...(fatal ? { fatal } : {}),
    noEffect,
    expectations,
    timedOut,
    timeoutMs: scenario.timeoutMs,
    ...(why === undefined ? {} : { timeoutWhy: why, timeoutStage: timeoutStage(run) }),
    lastChanges: describeChanges(run.timeline, run.window.opensAt, lastChanges),
    rollbacks,
    ...(blind === undefined ? {} : { blind }),
  });

  const result: ScenarioResult = {
    runId: run.runId,
    scenario: {
      name: scenario.name,
      ...(scenario.file === undefined ? {} : { file: scenario.file }),
      ...(scenario.description === undefined ? {} : { description: scenario.description }),
      tags: [...scenario.tags],
      systems: [...scenario.systems],
    },
    status,
    ...(reason === undefined ? {} : { reason }),
    startedAt: startedWall,
    durationMs: clock.now() - startedAt,
    phases: run.phases.map((p) => ({ ...p })),
    preconditions,
    ...(preconditionsWaitedMs === undefined ? {} : { preconditionsWaitedMs }),
    actions: actions.results.length ? actions.results : scenario.actions.map((a) => ({ id: a.id, type: a.type, plugin: a.plugin, status: 'not-run' as const })),
    rollbacks,
    expectations,
    faults: run.faults.map((f) => ({ ...f })),
    window: {
      ...(run.window.opensAt === undefined ? {} : { opensAt: run.window.opensAt }),
      ...(run.window.settledAt === undefined ? {} : { settledAt: run.window.settledAt }),
      ...(run.window.closesAt === undefined ? {} : { closesAt: run.window.closesAt }),
      closed: run.window.closed,
      settleMs,
      afterMs: scenario.window.afterMs,
      ...(run.window.opensAt === undefined ? {} : { lastChanges }),
    },
    timings: deriveTimings(run.faults, run.timeline),
    observers: observerResults(observers),
    timeline: run.timeline.query(),
    timelineDropped: run.timeline.dropped,
    errors: [...run.errors],
    ...(evaluation === undefined
      ? {}
      : {
          replay: {
            version: 1 as const,
            scenario: {
              systems: [...scenario.systems],
              timeoutMs: scenario.timeoutMs,
              settleMs,
              afterMs: scenario.window.afterMs,
              preconditions: scenario.preconditions.map((p) => p.expression),
              actions: scenario.actions.map((a) => ({ id: a.id, type: a.type, params: a.params, ...(a.harmless ? { harmless: true } : {}) })),
            },
            evaluations: run.evaluations.map((e) => [...e] as [number, number, number]),
            ...(opensAtSize === undefined ? {} : { opensAtSize }),
            ...(fatal ? { fatal } : {}),
            end: ending,
          },
        }),
  };
  return run.redactor.value(result);
}
