/**
 * Bounded waiting on the injectable clock, for the runtime and plugins alike: a deadline that aborts a controller,
 * and a wait that gives up when a signal aborts. Every bound in core is one of these two, so an observer written
 * with them behaves under a manual clock (`ManualClock`) exactly as under the real one, and leaves no timer or abort
 * listener behind.
 */
import type { Clock } from './clock';

/**
 * Aborts `controller` with `reason()` at clock time `at`. Returns the function that cancels the deadline; the
 * deadline is cancelled too when the controller aborts for another reason first. Cancelling never aborts.
 *
 * @example
 * const bound = new AbortController();
 * const cancel = abortAt(ctx.clock, ctx.clock.now() + 5_000, bound, () => new TesterError('TIMEOUT', 'no answer within 5s'));
 * try { await abortable(connect(bound.signal), bound.signal); } finally { cancel(); }
 */
export function abortAt(clock: Clock, at: number, controller: AbortController, reason: () => unknown): () => void {
  if (controller.signal.aborted) return () => {};
  const timer = new AbortController();
  const cancel = () => {
    controller.signal.removeEventListener('abort', cancel);
    timer.abort();
  };
  controller.signal.addEventListener('abort', cancel, { once: true });
  clock.until(at, timer.signal).then(
    () => {
      cancel();
      if (!controller.signal.aborted) controller.abort(reason());
    },
    () => {},
  );
  return cancel;
}

/**
 * Waits for `promise`, or rejects with `signal.reason` as soon as `signal` aborts, whichever comes first. The abort
 * listener is removed either way, so a long-lived signal (the run's) does not collect one listener per wait. What
 * `promise` does later is ignored (never an unhandled rejection).
 */
export function abortable<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    Promise.resolve(promise).catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
