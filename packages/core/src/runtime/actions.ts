/** Runs the scenario's actions in order, registering rollbacks and faults as they come. */
import type { ActionContext, ActionOutcome, Rollback, TesterPlugin } from '../contract';
import { ErrorCodes } from '../errors';
import type { HookOutcome } from '../hooks';
import type { PluginRegistry } from '../registry';
import type { ActionResult } from '../result-types';
import type { ScenarioAction } from '../scenario-types';
import { abortable } from '../deadline';
import { type RunState, pluginContext, toResultError } from './run-state';

/** A rollback an action registered, in registration order. */
export interface RegisteredRollback {
  actionId: string;
  type: string;
  plugin: TesterPlugin;
  rollback: Rollback;
}

/** What running the actions produced. */
export interface ActionsRun {
  results: ActionResult[];
  rollbacks: RegisteredRollback[];
  /** Actions still running when the run stopped waiting (timeout, abort): their rollbacks are collected late. */
  late: Array<{ action: ScenarioAction; plugin: TesterPlugin; outcome: Promise<ActionOutcome | void> }>;
  /** Why the actions stopped early, if they did. */
  failure?: { code: string; message: string };
}

/**
 * Runs the actions in order, through the hook driver's `sequential`: stops at the first failure, timeout or abort;
 * the rest are `not-run`.
 */
export async function runActions(run: RunState, actions: readonly ScenarioAction[], registry: PluginRegistry): Promise<ActionsRun> {
  const out: ActionsRun = { results: actions.map((a) => ({ id: a.id, type: a.type, plugin: a.plugin, status: 'not-run' })), rollbacks: [], late: [] };
  // The loader only accepts types some plugin provides; a harness may still pass another plugin set.
  const missing = actions.findIndex((a) => !registry.actions.has(a.type));
  const runnable = missing === -1 ? actions : actions.slice(0, missing);
  const outcomes = await run.hooks.sequential(runnable, (action, index) => runAction(run, action, out.results[index]!, registry, out));
  if (missing !== -1 && outcomes.length === runnable.length && outcomes.every((o) => o.kind === 'value')) {
    const action = actions[missing]!;
    out.failure = { code: ErrorCodes.PLUGIN_NOT_FOUND, message: `no plugin provides the action type ${action.type}` };
    out.results[missing]!.status = 'error';
    out.results[missing]!.error = out.failure;
  }
  return out;
}

/** Resolves once every fault that action `actionId` injected has ended (event-driven: the run says when one ends). */
async function faultsEnded(run: RunState, actionId: string, signal: AbortSignal): Promise<void> {
  while (run.faults.some((f) => f.actionId === actionId && f.endedAt === undefined)) await abortable(run.changed.wait(), signal);
}

async function runAction(run: RunState, action: ScenarioAction, result: ActionResult, registry: PluginRegistry, out: ActionsRun): Promise<HookOutcome<ActionOutcome | void>> {
  const { plugin, definition } = registry.actions.get(action.type)!;
  // An abort or the deadline ends the wait; the call below then reports it as for any action.
  if (action.afterFault) await faultsEnded(run, action.afterFault, run.controller.signal).catch(() => undefined);
  result.startedAt = run.clock.now();
  run.openWindow(result.startedAt);
  run.progress({ type: 'action', id: action.id, status: 'started', at: result.startedAt });
  const ctx: ActionContext = { ...pluginContext(run, plugin, `actions.${action.type}`), actionId: action.id,
    ledger: { record: (entry) => run.ledger.record({ ...entry, plugin: plugin.name }) } };
  const outcome = await run.hooks.call({ plugin: plugin.name, hook: `actions.${action.type}.run`, invoke: () => definition.run(ctx, action.params) });
  result.endedAt = run.clock.now();
  if (outcome.kind === 'value') {
    const value = outcome.value ?? {};
    result.status = 'passed';
    if (value.summary) result.summary = run.redactor.text(value.summary);
    if (value.rollback) out.rollbacks.push({ actionId: action.id, type: action.type, plugin, rollback: value.rollback });
    for (const fault of value.faults ?? []) run.recordFault(action.id, fault, action.harmless === true);
  } else if (outcome.kind === 'error') {
    result.status = 'error';
    result.error = toResultError(run, outcome.error);
    out.failure = { code: result.error.code, message: `action ${action.id} (${action.type}) failed: ${result.error.message}` };
  } else if (outcome.kind === 'timeout') {
    result.status = 'error';
    result.error = { code: ErrorCodes.TIMEOUT, message: 'the scenario timed out while this action ran' };
    out.failure = { code: ErrorCodes.TIMEOUT, message: `action ${action.id} (${action.type}) did not finish: ${result.error.message}` };
    out.late.push({ action, plugin, outcome: outcome.late });
  } else {
    // The abort's own reason first (`interrupted by SIGINT`), as for an abort at any other moment of the run.
    const why = toResultError(run, run.controller.signal.reason).message || 'the run was aborted';
    result.status = 'error';
    result.error = { code: ErrorCodes.ABORTED, message: `${why} while this action ran` };
    out.failure = { code: ErrorCodes.ABORTED, message: `${why} while action ${action.id} (${action.type}) ran` };
    out.late.push({ action, plugin, outcome: outcome.late });
  }
  run.progress({ type: 'action', id: action.id, status: result.status, at: result.endedAt });
  return outcome;
}
