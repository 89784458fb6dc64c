/** Runs registered rollbacks, last first, each with its own signal bounded by the rollback timeout. */
import { ErrorCodes, TesterError } from '../errors';
import type { RollbackResult } from '../result-types';
import type { ActionsOutcome, RegisteredRollback } from './actions';
import { type RunState, toResultError, within } from './run-state';

async function bounded<T>(run: RunState, timeoutMs: number, what: string, fn: (signal: AbortSignal) => Promise<T>) {
  const controller = new AbortController();
  const timer = run.clock.until(run.clock.now() + timeoutMs, controller.signal).then(
    () => controller.abort(new TesterError(ErrorCodes.TIMEOUT, `${what} did not finish within ${timeoutMs} ms`)),
    () => {},
  );
  const outcome = await within(fn(controller.signal), controller.signal);
  const reason: unknown = controller.signal.reason;
  if (!controller.signal.aborted) controller.abort();
  await timer;
  return { outcome, reason };
}

/**
 * Runs every rollback (and those of actions that finished late, after waiting for them within the bound),
 * in reverse registration order. Never throws: each outcome is in the returned list.
 */
export async function runRollbacks(run: RunState, actions: ActionsOutcome, timeoutMs: number): Promise<RollbackResult[]> {
  const registered: RegisteredRollback[] = [...actions.rollbacks];
  for (const late of actions.late) {
    const { outcome } = await bounded(run, timeoutMs, `action ${late.action.id}`, () => late.outcome);
    if (outcome.kind === 'value' && outcome.value?.rollback) {
      registered.push({ actionId: late.action.id, type: late.action.type, plugin: late.plugin, rollback: outcome.value.rollback });
    }
  }
  const results: RollbackResult[] = [];
  for (const entry of registered.reverse()) {
    const started = run.clock.now();
    const description = run.redactor.text(entry.rollback.description ?? `rollback of ${entry.actionId}`);
    const { outcome, reason } = await bounded(run, timeoutMs, `rollback "${description}"`, (signal) =>
      run.dispatcher.async(entry.plugin.name, `actions.${entry.type}.rollback`, () => entry.rollback.run(signal)),
    );
    const result: RollbackResult = { actionId: entry.actionId, description, status: outcome.kind === 'value' ? 'ok' : 'failed', durationMs: run.clock.now() - started };
    if (outcome.kind === 'error') result.error = toResultError(run, outcome.error);
    else if (outcome.kind !== 'value') result.error = toResultError(run, reason);
    results.push(result);
    run.progress({ type: 'rollback', actionId: entry.actionId, status: result.status, at: run.clock.now() });
  }
  return results;
}
