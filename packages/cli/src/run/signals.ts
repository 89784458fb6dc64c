/**
 * SIGINT/SIGTERM handling for a run: the first signal aborts the run's signal so that every scenario stops and
 * runs its rollbacks; a second one calls `onForce` (which names the rollbacks that did not run) and exits now.
 * Exit codes follow the shell convention: 130 for SIGINT, 143 for SIGTERM.
 */
export interface SignalGuard {
  readonly signal: AbortSignal;
  /** The signal that stopped the run, if any. */
  received(): NodeJS.Signals | undefined;
  /** Removes the handlers. */
  dispose(): void;
}

export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export function guardSignals(opts: { onFirst(signal: NodeJS.Signals): void; onForce(signal: NodeJS.Signals): void }): SignalGuard {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (!first) {
      first = sig;
      opts.onFirst(sig);
      controller.abort(new Error(`interrupted by ${sig}`));
      return;
    }
    opts.onForce(sig);
    process.exit(SIGNAL_EXIT[first] ?? 1);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
