/** Runs registered rollbacks, last first, each with its own signal bounded by the rollback timeout. */
import type { RollbackResult } from '../result-types';
import type { ActionsRun, RegisteredRollback } from './actions';
import { type RunState, toResultError } from './run-state';

/**
 * Runs every rollback (and those of actions that finished late, after waiting for them within the bound),
 * in reverse registration order. Never throws: each outcome is in the returned list.
 */
export async function runRollbacks(run: RunState, actions: ActionsRun, timeoutMs: number): Promise<RollbackResult[]> {
  const registered: RegisteredRollback[] = [...actions.rollbacks];
  // At most one action is still running when the actions stop (they run one at a time).
  const late = await run.hooks.parallel(actions.late, (entry) =>
    run.hooks.wait(entry.outcome, {
      plugin: entry.plugin.name,
      hook: `actions.${entry.action.type}.run`,
      signal: null,
      timeoutMs,
      timeoutMessage: `action ${entry.action.id} did not finish within ${timeoutMs} ms`,
    }),
  );
  for (const [index, outcome] of late.entries()) {
    const entry = actions.late[index]!;
    if (outcome.kind === 'value' && outcome.value?.rollback) {
      registered.push({ actionId: entry.action.id, type: entry.action.type, plugin: entry.plugin, rollback: outcome.value.rollback });
    }
  }
  return run.hooks.reverseSequential(registered, async (entry) => {
    const started = run.clock.now();
    const description = run.redactor.text(entry.rollback.description ?? `rollback of ${entry.actionId}`);
    // A fresh signal, not the run's: that one may already be aborted, and the rollback must run all the same.
    const outcome = await run.hooks.call(
      { plugin: entry.plugin.name, hook: `actions.${entry.type}.rollback`, invoke: (signal) => entry.rollback.run(signal) },
      { signal: null, timeoutMs, timeoutMessage: `rollback "${description}" did not finish within ${timeoutMs} ms` },
    );
    const result: RollbackResult = { actionId: entry.actionId, description, status: outcome.kind === 'value' ? 'ok' : 'failed', durationMs: run.clock.now() - started };
    if (outcome.kind === 'error') result.error = toResultError(run, outcome.error);
    else if (outcome.kind !== 'value') result.error = toResultError(run, outcome.reason);
    run.progress({ type: 'rollback', actionId: entry.actionId, status: result.status, at: run.clock.now() });
    return result;
  });
}
