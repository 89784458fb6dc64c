/**
 * The hook driver: every call into plugin code goes through it, as every hook of a Rollup build goes through
 * Rollup's `PluginDriver`. It owns
 * - dispatch and attribution: a throw or a rejection becomes a {@link PluginError} (`PLUGIN_ERROR`, with `plugin`,
 *   `hook` and the plugin's own `pluginCode`), redacted, so a broken plugin fails its scenario instead of the run;
 * - bounds: a call may have a deadline on the injectable clock, which aborts the call's signal with `TIMEOUT`;
 * - abort: a call is waited for only until its parent signal (the run's) aborts;
 * - ordering, by hook kind: {@link HookDriver.parallel} (observers' start, ready, barrier and stop across plugins),
 *   {@link HookDriver.sequential} (actions, in scenario order, stopping at the first that does not succeed) and
 *   {@link HookDriver.reverseSequential} (rollbacks, last registered first, every one whatever the others did).
 */
import type { Clock } from './clock';
import { abortAt } from './deadline';
import { ErrorCodes, PluginError, TesterError } from './errors';
import type { Redactor } from './redact';

/** One call into a plugin. */
export interface HookCall<T> {
  /** The plugin's name, for attribution. */
  readonly plugin: string;
  /** The hook, for attribution: `observers.api.start`, `actions.CHAOS.run`, `actions.CHAOS.rollback`. */
  readonly hook: string;
  /** Calls the plugin. `signal` is the call's: its bound's, or the parent signal when it has no bound of its own. */
  invoke(signal: AbortSignal): T | PromiseLike<T>;
}

/** How long a call is waited for. */
export interface HookBound {
  /**
   * The call is waited for until this signal aborts. `null`: no parent, only the call's own bound (a rollback runs
   * after the run's signal may have aborted). @default the driver's signal
   */
  signal?: AbortSignal | null;
  /** The call's own bound on the clock: at it, the call's signal aborts with `TIMEOUT`. @default none */
  timeoutMs?: number;
  /** The message of that `TIMEOUT`. @default `<hook> of plugin "<plugin>" did not finish within <ms> ms` */
  timeoutMessage?: string;
}

/**
 * How a call ended: a value, an attributed error, or it was no longer waited for (its bound passed: `timeout`; its
 * parent signal aborted: `aborted`, or `timeout` when the parent's reason is a `TIMEOUT`). A call no longer waited
 * for may still finish: `late` is its outcome then (a session to stop, a rollback to run); it never rejects unhandled.
 */
export type HookOutcome<T> =
  | { kind: 'value'; value: T }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' | 'aborted'; reason: unknown; late: Promise<T> };

/** Options of {@link HookDriver}. */
export interface HookDriverOptions {
  /** The clock of the bounds. */
  clock: Clock;
  /** Redacts the messages of attributed errors. */
  redactor?: Redactor;
  /** The default parent signal of every call (the run's). @default never aborts */
  signal?: AbortSignal;
}

const never = new AbortController().signal;

/** Wraps what plugin code threw as an attributed {@link PluginError}. An abort is the runtime's own doing: kept as is. */
function attribute(plugin: string, hook: string, error: unknown, redactor: Redactor | undefined): unknown {
  if (error instanceof TesterError && (error.code === ErrorCodes.ABORTED || error instanceof PluginError)) return error;
  const wrapped = new PluginError(plugin, hook, error);
  if (redactor?.active) Object.defineProperty(wrapped, 'message', { value: redactor.text(wrapped.message) });
  return wrapped;
}

/**
 * Calls a synchronous hook (an evaluator's `verdict`, `interests`, `needsFault`, a plugin's schema): a throw becomes an
 * attributed {@link PluginError}. For code that runs outside a run (the loader); a run uses {@link HookDriver.sync}.
 */
export function callSync<T>(plugin: string, hook: string, fn: () => T, redactor?: Redactor): T {
  try {
    return fn();
  } catch (error) {
    throw attribute(plugin, hook, error, redactor);
  }
}

/** The kind of outcome an abort reason stands for. */
function abortKind(reason: unknown): 'timeout' | 'aborted' {
  return (reason as { code?: unknown } | undefined)?.code === ErrorCodes.TIMEOUT ? 'timeout' : 'aborted';
}

/** Waits for `running` until `signal` aborts. Never rejects. */
function settle<T>(running: Promise<T>, signal: AbortSignal): Promise<HookOutcome<T>> {
  if (signal.aborted) return Promise.resolve({ kind: abortKind(signal.reason), reason: signal.reason, late: running });
  return new Promise((resolve) => {
    const onAbort = () => resolve({ kind: abortKind(signal.reason), reason: signal.reason, late: running });
    signal.addEventListener('abort', onAbort, { once: true });
    running.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ kind: 'error', error });
      },
    );
  });
}

/** See the module comment. One per run (and one per `recoverEntry`). */
export class HookDriver {
  constructor(private readonly options: HookDriverOptions) {}

  /** Calls a synchronous hook; a throw becomes an attributed {@link PluginError}, thrown. */
  sync<T>(plugin: string, hook: string, fn: () => T): T {
    return callSync(plugin, hook, fn, this.options.redactor);
  }

  /**
   * Calls one hook, bounded. Never rejects: a throw or rejection is an `error` outcome (attributed), the bound or the
   * parent signal passing first a `timeout`/`aborted` one. A call with a bound of its own gets a signal of its own,
   * which aborts at the bound, with the parent, and once the call is over (what the plugin left running on it ends).
   */
  async call<T>(call: HookCall<T>, bound: HookBound = {}): Promise<HookOutcome<T>> {
    const parent = bound.signal === undefined ? (this.options.signal ?? never) : (bound.signal ?? never);
    if (bound.timeoutMs === undefined) return settle(this.dispatch(call, parent), parent);
    const { clock } = this.options;
    const own = new AbortController();
    const onParent = () => own.abort(parent.reason);
    if (parent.aborted) onParent();
    else parent.addEventListener('abort', onParent, { once: true });
    const message = bound.timeoutMessage ?? `${call.hook} of plugin "${call.plugin}" did not finish within ${bound.timeoutMs} ms`;
    const cancel = abortAt(clock, clock.now() + bound.timeoutMs, own, () => new TesterError(ErrorCodes.TIMEOUT, message));
    try {
      return await settle(this.dispatch(call, own.signal), own.signal);
    } finally {
      cancel();
      parent.removeEventListener('abort', onParent);
      if (!own.signal.aborted) own.abort();
    }
  }

  /**
   * Waits for a call already under way (an action the run stopped waiting for, which may still hand over a rollback)
   * within `bound`, as {@link HookDriver.call} waits for a new one.
   */
  wait<T>(running: Promise<T>, bound: HookBound & { plugin: string; hook: string }): Promise<HookOutcome<T>> {
    return this.call({ plugin: bound.plugin, hook: bound.hook, invoke: () => running }, bound);
  }

  /**
   * Runs `each` for every item at once and waits for all (observers across plugins). One item's failure does not
   * stop the others. Results in the items' order.
   */
  parallel<I, R>(items: readonly I[], each: (item: I, index: number) => Promise<R>): Promise<R[]> {
    return Promise.all(items.map((item, index) => each(item, index)));
  }

  /**
   * Runs `each` for the items one after another, in order (actions), and stops after the first whose outcome is not a
   * value: the later items are not run. Outcomes of the items that ran, in order.
   */
  async sequential<I, T>(items: readonly I[], each: (item: I, index: number) => Promise<HookOutcome<T>>): Promise<HookOutcome<T>[]> {
    const outcomes: HookOutcome<T>[] = [];
    for (const [index, item] of items.entries()) {
      const outcome = await each(item, index);
      outcomes.push(outcome);
      if (outcome.kind !== 'value') break;
    }
    return outcomes;
  }

  /**
   * Runs `each` for the items one after another, last first (rollbacks: undo in the reverse order of doing), each
   * once the previous ended, and every one whatever the others did. Results in the order they ran.
   */
  async reverseSequential<I, R>(items: readonly I[], each: (item: I, index: number) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    for (let index = items.length - 1; index >= 0; index--) results.push(await each(items[index] as I, index));
    return results;
  }

  private dispatch<T>(call: HookCall<T>, signal: AbortSignal): Promise<T> {
    const { redactor } = this.options;
    return (async () => {
      try {
        return await call.invoke(signal);
      } catch (error) {
        throw attribute(call.plugin, call.hook, error, redactor);
      }
    })();
  }
}
