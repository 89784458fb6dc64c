/**
 * For fault plugins (Toxiproxy, process faults, a system without a chaos API): a fault that tester ends itself: its end is a deadline on the run's clock (never a sleep). At the deadline the
 * fault is undone and the undo verified; `ended` resolves with the clock time of that verification. The rollback
 * is the same undo, so whichever comes first (the deadline, or the rollback on timeout, failure or a signal) ends
 * the fault, and the other finds nothing left to do.
 */
import type { ActionContext, InjectedFault, LedgerHandle, Rollback } from './contract';
import { ErrorCodes, TesterError } from './errors';
import type { ObservationRef } from './observation';

export interface TimedFaultSpec {
  ctx: ActionContext<unknown>;
  id: string;
  system: string;
  fault: string;
  /** Clock time the fault was verified in place. */
  startedAt: number;
  durationMs: number;
  /** Removes the fault and verifies it is gone. Idempotent: "already gone" is success. */
  undo(signal: AbortSignal): Promise<void>;
  /** The ledger entry written before the fault was injected; struck once the undo succeeded. */
  handle: LedgerHandle;
  /** `remove toxic x from proxy y`: the rollback's description. */
  undoDescription: string;
  /** Tries at the deadline before `ended` rejects (the rollback still tries again). */
  endAttempts: number;
  /** Bound of one undo attempt at the deadline. */
  attemptTimeoutMs: number;
  ref?: ObservationRef;
}

/** Builds the {@link InjectedFault} and the {@link Rollback} of a fault that ends at `startedAt + durationMs`. */
export function timedFault(spec: TimedFaultSpec): { fault: InjectedFault; rollback: Rollback } {
  const { ctx } = spec;
  let finished = false;
  let inFlight: Promise<void> | undefined;
  let resolveEnded!: (at: number) => void;
  let rejectEnded!: (error: unknown) => void;
  const ended = new Promise<number>((resolve, reject) => {
    resolveEnded = resolve;
    rejectEnded = reject;
  });
  // Stops the deadline wait once the fault is over (so no timer keeps the process alive), or when the run aborts:
  // then the rollback ends the fault.
  const over = new AbortController();
  const waiting = AbortSignal.any([ctx.signal, over.signal]);

  const end = (signal: AbortSignal): Promise<void> => {
    if (finished) return Promise.resolve();
    inFlight ??= (async () => {
      try {
        await spec.undo(signal);
        const at = ctx.clock.now();
        finished = true;
        over.abort();
        resolveEnded(at);
        await spec.handle.strike();
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  void ctx.clock.until(spec.startedAt + spec.durationMs, waiting).then(
    async () => {
      let lastError: unknown;
      for (let attempt = 1; attempt <= spec.endAttempts && !waiting.aborted; attempt++) {
        try {
          await end(AbortSignal.any([waiting, AbortSignal.timeout(spec.attemptTimeoutMs)]));
          return;
        } catch (error) {
          lastError = error;
          if (attempt < spec.endAttempts) await ctx.clock.until(ctx.clock.now() + 250 * attempt, waiting).catch(() => undefined);
        }
      }
      if (!finished && !waiting.aborted) {
        rejectEnded(
          new TesterError(ErrorCodes.ROLLBACK_FAILED, `${spec.undoDescription} failed at the fault's end (${spec.endAttempts} attempt(s)): ${(lastError as Error)?.message}`, {
            cause: lastError,
          }),
        );
      }
    },
    () => undefined, // aborted: the rollback ends the fault, and resolves `ended` when it does
  );

  return {
    fault: { id: spec.id, system: spec.system, fault: spec.fault, startedAt: spec.startedAt, ended, ...(spec.ref ? { ref: spec.ref } : {}) },
    rollback: { description: spec.undoDescription, run: (signal) => end(signal) },
  };
}
