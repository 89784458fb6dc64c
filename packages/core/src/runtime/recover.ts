/**
 * Undoing what a dead run left in the ledger (`tester cleanup`): finds the action type's plugin and calls its
 * `recover(entry, ctx)` through the dispatcher, bounded by a deadline.
 */
import type { Clock } from '../clock';
import { systemClock } from '../clocks';
import type { LedgerEntry, PluginContext, TesterPlugin } from '../contract';
import { createDispatcher } from '../dispatcher';
import { ErrorCodes, TesterError } from '../errors';
import type { Logger } from '../logger';
import { redactingLogger, silentLogger } from '../loggers';
import { Redactor } from '../redact';
import { createRegistry } from '../registry';
import type { ResultError } from '../result-types';
import { createTimeline } from '../timeline';
import { toResultError, within } from './run-state';

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
  status: 'ok' | 'failed' | 'unsupported';
  error?: ResultError;
}

/** Undoes one ledger entry with its action type's `recover`. Never throws for a plugin failure. */
export async function recoverEntry(entry: LedgerEntry, options: RecoverOptions): Promise<RecoverResult> {
  const registry = createRegistry(options.plugins);
  const provided = registry.actions.get(entry.action);
  const recover = provided?.definition.recover;
  if (!provided || !recover) {
    const why = provided ? `plugin "${provided.plugin.name}" cannot recover ${entry.action} entries` : `no plugin provides the action type ${entry.action}`;
    return { entry, status: 'unsupported', error: { code: ErrorCodes.PLUGIN_NOT_FOUND, message: `${why}: undo "${entry.description}" by hand` } };
  }
  const clock = options.clock ?? systemClock();
  const redactor = new Redactor();
  const dispatcher = createDispatcher(redactor);
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const onAbort = () => controller.abort(new TesterError(ErrorCodes.ABORTED, 'recovery aborted'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = clock.until(clock.now() + timeoutMs, controller.signal).then(
    () => controller.abort(new TesterError(ErrorCodes.TIMEOUT, `recovering "${entry.description}" did not finish within ${timeoutMs} ms`)),
    () => {},
  );
  const ctx: PluginContext = {
    runId: entry.runId,
    timeline: createTimeline({ cap: 1_000 }),
    signal: controller.signal,
    logger: redactingLogger(options.logger ?? silentLogger(), redactor, { plugin: provided.plugin.name, hook: `actions.${entry.action}.recover` }),
    clock,
    config: provided.plugin.options,
    registerSecret: (value) => redactor.add(value),
  };
  const outcome = await within(dispatcher.async(provided.plugin.name, `actions.${entry.action}.recover`, () => recover(entry, ctx)), controller.signal);
  const reason: unknown = controller.signal.reason;
  if (!controller.signal.aborted) controller.abort();
  await timer;
  options.signal?.removeEventListener('abort', onAbort);
  if (outcome.kind === 'value') return { entry, status: 'ok' };
  return { entry, status: 'failed', error: toResultError({ redactor }, outcome.kind === 'error' ? outcome.error : reason) };
}
