/**
 * `runScenario`: DESIGN.md's lifecycle. Observers start (in parallel) and become ready -> preconditions ->
 * actions in order -> continuous evaluation -> the window's end T, then every observer's `barrier(T)` ->
 * final verdicts -> rollbacks (on every exit path) -> observers stopped -> result. No fixed sleeps: every wait
 * is a condition (something changed) or a deadline on the injectable clock.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { systemClock } from '../clocks';
import type { RunLedger, TesterPlugin } from '../contract';
import { createDispatcher } from '../dispatcher';
import { ErrorCodes, TesterError } from '../errors';
import { createMemoryLedger } from '../ledger';
import type { Logger } from '../logger';
import { redactingLogger, silentLogger } from '../loggers';
import { Redactor } from '../redact';
import { type PluginRegistry, createRegistry } from '../registry';
import type { PreconditionResult, ProgressEvent, ScenarioResult, ScenarioStatus } from '../result-types';
import type { Scenario } from '../scenario-types';
import { createTimeline } from '../timeline';
import { type ActionsOutcome, runActions } from './actions';
import { Evaluation, collectInterests } from './evaluation';
import { type ObserverEntry, barriers, collectObservers, observerResults, startObservers, stopObservers } from './observers';
import { evaluatePreconditions } from './preconditions';
import { runRollbacks } from './rollbacks';
import { Notifier, type RunState, endPhase, enterPhase, toResultError, waitForChange } from './run-state';
import { deriveTimings } from './timings';

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
}

function createRun(scenario: Scenario, options: RunOptions, controller: AbortController): RunState {
  const clock = options.clock ?? systemClock();
  const redactor = new Redactor();
  const runId = options.runId ?? randomUUID();
  const onProgress = options.onProgress;
  return {
    runId,
    clock,
    timeline: createTimeline({ cap: options.timelineCap }),
    redactor,
    dispatcher: createDispatcher(redactor),
    logger: redactingLogger(options.logger ?? silentLogger(), redactor, { runId, scenario: scenario.name }),
    ledger: options.ledger ?? createMemoryLedger({ runId }),
    interests: [],
    controller,
    deadline: clock.now() + scenario.timeoutMs,
    window: { opensAt: undefined, closesAt: undefined, closed: false },
    faults: [],
    blindSpans: [],
    changed: new Notifier(),
    urgency: new Notifier(),
    urgent: false,
    phases: [],
    errors: [],
    finished: false,
    progress: (event) => {
      try {
        onProgress?.(event);
      } catch {
        // A reporter's bug must not change a verdict.
      }
    },
    configOf: (plugin) => plugin.options,
  };
}

function setUrgent(run: RunState, urgent: boolean): void {
  if (run.urgent === urgent) return;
  run.urgent = urgent;
  run.urgency.notify();
}

type EvaluationEnd = 'decided' | 'timeout' | 'aborted' | { barrierError: unknown };

/** Evaluates until every expectation is decided, the deadline passes, or the run is aborted. */
async function evaluateUntilDecided(run: RunState, evaluation: Evaluation, observers: ObserverEntry[], afterMs: number): Promise<EvaluationEnd> {
  for (;;) {
    evaluation.evaluate();
    if (run.controller.signal.aborted) return (run.controller.signal.reason as TesterError).code === ErrorCodes.TIMEOUT ? 'timeout' : 'aborted';
    if (evaluation.allFinal()) return 'decided';
    const passedAt = evaluation.positivesSettledAt();
    const faultsEnded = run.faults.every((f) => f.endedAt !== undefined);
    if (!run.window.closed && passedAt !== undefined && faultsEnded) {
      const lastFaultEnd = Math.max(-Infinity, ...run.faults.map((f) => f.endedAt!));
      const end = Math.max(passedAt, lastFaultEnd) + afterMs;
      run.window.closesAt = end;
      if (run.clock.now() < end) {
        await waitForChange(run, Math.min(end, run.deadline, evaluation.nextRecheckAt()));
        continue;
      }
      enterPhase(run, 'barriers');
      try {
        if (!(await barriers(run, observers, end))) continue; // aborted or timed out: the loop's top says which
      } catch (error) {
        return { barrierError: error };
      }
      run.window.closed = true;
      enterPhase(run, 'evaluation');
      continue;
    }
    await waitForChange(run, Math.min(run.deadline, evaluation.nextRecheckAt()));
  }
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

  const onAbort = () => controller.abort(new TesterError(ErrorCodes.ABORTED, 'the run was aborted'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const deadlineTimer = new AbortController();
  void clock.until(run.deadline, deadlineTimer.signal).then(
    () => controller.abort(new TesterError(ErrorCodes.TIMEOUT, `the scenario timed out after ${scenario.timeoutMs} ms`)),
    () => {},
  );

  const observers = collectObservers(options.plugins);
  let fatal: { code: string; message: string } | undefined;
  let preconditions: PreconditionResult[] = scenario.preconditions.map((p) => ({ ...p, status: 'error', message: 'not evaluated' }));
  let actions: ActionsOutcome = { results: [], rollbacks: [], late: [] };
  let evaluation: Evaluation | undefined;
  let timedOut = false;

  try {
    enterPhase(run, 'observers');
    run.interests = collectInterests(run, scenario.expectations, registry);
    await startObservers(run, observers);

    enterPhase(run, 'preconditions');
    preconditions = evaluatePreconditions(scenario.preconditions, run.timeline);
    const unmet = preconditions.find((p) => p.status !== 'passed');
    if (unmet) throw new TesterError(ErrorCodes.PRECONDITION_NOT_MET, unmet.message);

    // Evaluators exist before the first action, so they see everything from the initial state on.
    evaluation = new Evaluation(run, scenario.expectations, registry);
    evaluation.attach();
    setUrgent(run, true);

    enterPhase(run, 'actions');
    actions = await runActions(run, scenario.actions, registry);
    if (actions.failure) throw new TesterError(actions.failure.code, actions.failure.message);
    run.window.opensAt ??= clock.now();

    enterPhase(run, 'evaluation');
    const end = await evaluateUntilDecided(run, evaluation, observers, scenario.window.afterMs);
    if (end === 'timeout') {
      timedOut = true;
      evaluation.evaluate({ timedOut: true });
    } else if (end === 'aborted') {
      throw controller.signal.reason;
    } else if (typeof end === 'object') {
      const error = toResultError(run, end.barrierError);
      run.errors.push(error);
      evaluation.settlePending('error', `the window could not be closed: ${error.message}`);
    }
  } catch (error) {
    const resultError = toResultError(run, error);
    if (resultError.code === ErrorCodes.TIMEOUT) timedOut = true;
    fatal = { code: resultError.code, message: resultError.message };
    if (!(error instanceof TesterError) || error.code === ErrorCodes.PLUGIN_ERROR) run.errors.push(resultError);
    evaluation?.settlePending('error', `not decided: ${resultError.message}`);
  } finally {
    setUrgent(run, false);
    evaluation?.detach();
    enterPhase(run, 'rollbacks');
  }

  const rollbacks = await runRollbacks(run, actions, options.rollbackTimeoutMs ?? 30_000);
  enterPhase(run, 'stopping');
  await stopObservers(run, observers, options.stopTimeoutMs ?? 10_000);
  endPhase(run);
  run.finished = true;
  deadlineTimer.abort();
  options.signal?.removeEventListener('abort', onAbort);
  if (!controller.signal.aborted) controller.abort(new TesterError(ErrorCodes.ABORTED, 'the run is over'));

  const expectations =
    evaluation?.results() ??
    scenario.expectations.map((e) => ({
      id: e.id, section: e.section, plugin: e.plugin, description: e.id, status: 'error' as const,
      message: `not evaluated: ${fatal?.message ?? 'the run stopped before evaluation'}`, evidence: [], line: e.line, column: e.column,
    }));
  let status: ScenarioStatus;
  let reason: string | undefined;
  if (fatal) {
    status = 'error';
    reason = fatal.message;
  } else if (expectations.some((e) => e.status === 'failed')) {
    status = 'failed';
    const failed = expectations.filter((e) => e.status === 'failed');
    reason = `${timedOut ? `timed out after ${scenario.timeoutMs} ms; ` : ''}${failed.map((e) => `${e.id}: ${e.message}`).join('; ')}`;
  } else if (expectations.some((e) => e.status === 'error')) {
    status = 'error';
    reason = expectations.filter((e) => e.status === 'error').map((e) => `${e.id}: ${e.message}`).join('; ');
  } else {
    status = 'passed';
  }
  const failedRollbacks = rollbacks.filter((r) => r.status === 'failed');
  if (failedRollbacks.length && status === 'passed') {
    status = 'error';
    reason = `rollback failed: ${failedRollbacks.map((r) => `${r.description}: ${r.error?.message ?? ''}`).join('; ')}`;
  }

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
    phases: run.phases,
    preconditions,
    actions: actions.results.length ? actions.results : scenario.actions.map((a) => ({ id: a.id, type: a.type, plugin: a.plugin, status: 'not-run' as const })),
    rollbacks,
    expectations,
    faults: run.faults.map((f) => ({ ...f })),
    window: {
      ...(run.window.opensAt === undefined ? {} : { opensAt: run.window.opensAt }),
      ...(run.window.closesAt === undefined ? {} : { closesAt: run.window.closesAt }),
      closed: run.window.closed,
    },
    timings: deriveTimings(run.faults, run.timeline),
    observers: observerResults(observers),
    timeline: run.timeline.query(),
    timelineDropped: run.timeline.dropped,
    errors: run.errors,
  };
  return run.redactor.value(result);
}
