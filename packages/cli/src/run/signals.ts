/**
 * SIGINT/SIGTERM handling for a run: the first signal aborts the run's signal so that every scenario stops and
 * runs its rollbacks; a second one calls `onForce` (which names the rollbacks that did not run and writes what
 * report it can) and exits as soon as that is done, at the latest after `forceTimeoutMs`; a third exits at once.
 * Exit codes follow the shell convention: 130 for SIGINT, 143 for SIGTERM (the first signal's).
 */
export interface SignalGuard {
  readonly signal: AbortSignal;
  /** The signal that stopped the run, if any. */
  received(): NodeJS.Signals | undefined;
  /**
   * Removes the handlers, unless a signal was received: then they stay until the process exits, so that a second
   * signal while it winds down still exits with the first one's code (not by the signal's default action).
   */
  dispose(): void;
}

export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** How long a forced exit waits for `onForce` (writing the report) before exiting anyway. */
export const FORCE_TIMEOUT_MS = 1000;

export function guardSignals(opts: {
  onFirst(signal: NodeJS.Signals): void;
  /** May be async (a reporter writing its file); the process exits when it settles, or after `forceTimeoutMs`. */
  onForce(signal: NodeJS.Signals): void | Promise<void>;
  forceTimeoutMs?: number;
}): SignalGuard {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  let forcing = false;
  const exit = () => process.exit(first ? (SIGNAL_EXIT[first] ?? 1) : 1);
  const handler = (sig: NodeJS.Signals) => {
    if (!first) {
      first = sig;
      opts.onFirst(sig);
      controller.abort(new Error(`interrupted by ${sig}`));
      return;
    }
    if (forcing) exit();
    forcing = true;
    // The bound is a ref'd timer on purpose: it is what guarantees the exit if onForce never settles.
    setTimeout(exit, opts.forceTimeoutMs ?? FORCE_TIMEOUT_MS);
    Promise.resolve()
      .then(() => opts.onForce(sig))
      .catch(() => undefined)
      .finally(exit);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      if (first) return;
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
