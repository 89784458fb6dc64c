/**
 * Undoing what a dead run left in the ledger (`tester cleanup`): finds the action type's plugin and calls its
 * `recover(entry, ctx)` through the hook driver, bounded by a deadline, with its logs and errors redacted.
 */
import { type Clock, systemClock } from '../clock';
import type { LedgerEntry, TesterPlugin } from '../contract';
import { ErrorCodes, TesterError } from '../errors';
import { HookDriver } from '../hooks';
import { type Logger, redactingLogger, silentLogger } from '../logger';
import { Redactor } from '../redact';
import { createRegistry } from '../registry';
import type { ResultError } from '../result-types';
import { createTimeline } from '../timeline';
import { toResultError } from './run-state';

/** Options of {@link recoverEntry}. */
export interface RecoverOptions {
  plugins: readonly TesterPlugin[];
  /** @default systemClock() */
  clock?: Clock;
  logger?: Logger;
  /** Aborts the recovery. */
  signal?: AbortSignal;
  /** Bound of the plugin's `recover`. @default 30000 */
  timeoutMs?: number;
}

/** What became of one ledger entry. `unsupported`: no plugin provides the type, or it has no `recover`. */
export interface RecoverResult {
  entry: LedgerEntry;
  status: 'passed' | 'failed' | 'unsupported';
  error?: ResultError;
}

/** Undoes one ledger entry with its action type's `recover`. Never throws for a plugin failure. */
export async function recoverEntry(entry: LedgerEntry, options: RecoverOptions): Promise<RecoverResult> {
  const registry = createRegistry(options.plugins);
  const provided = registry.actions.get(entry.action);
  const recover = provided?.definition.recover;
  if (!provided || !recover) {
    const message = provided
      ? `plugin "${provided.plugin.name}" cannot recover ${entry.action} entries: undo "${entry.description}" by hand`
      : `no loaded plugin provides the action type ${entry.action}: add the plugin that injected it to the config, or undo "${entry.description}" by hand`;
    return { entry, status: 'unsupported', error: { code: ErrorCodes.PLUGIN_NOT_FOUND, message } };
  }
  const clock = options.clock ?? systemClock();
  const redactor = new Redactor();
  const aborted = new AbortController();
  const onAbort = () => aborted.abort(new TesterError(ErrorCodes.ABORTED, 'recovery aborted'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const hooks = new HookDriver({ clock, redactor, signal: aborted.signal });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const hook = `actions.${entry.action}.recover`;
  const { plugin } = provided;
  const outcome = await hooks.call(
    {
      plugin: plugin.name,
      hook,
      invoke: (signal) =>
        recover(entry, {
          runId: entry.runId,
          timeline: createTimeline({ cap: 1_000 }),
          signal,
          logger: redactingLogger(options.logger ?? silentLogger(), redactor, { plugin: plugin.name, hook }),
          clock,
          config: plugin.options,
          registerSecret: (value) => redactor.add(value),
        }),
    },
    { timeoutMs, timeoutMessage: `recovering "${entry.description}" did not finish within ${timeoutMs} ms` },
  );
  options.signal?.removeEventListener('abort', onAbort);
  if (outcome.kind === 'value') return { entry, status: 'passed' };
  return { entry, status: 'failed', error: toResultError({ redactor }, outcome.kind === 'error' ? outcome.error : outcome.reason) };
}
