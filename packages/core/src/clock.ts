/**
 * The injectable clock. Every wait in the runtime is "until a condition or a deadline", and every deadline
 * goes through this, so tests can use a manual clock and run fast and exact.
 */
export interface Clock {
  /** Monotonic milliseconds. Only differences are meaningful. */
  now(): number;
  /** Wall-clock epoch milliseconds corresponding to `now()`, for converting sources' timestamps. */
  wallNow(): number;
  /**
   * Resolves at clock time `at` (a deadline), or rejects with the signal's reason when it aborts first.
   * This is a deadline, never a pause a verdict depends on.
   */
  until(at: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` until the returned function is called. For pollers' intervals. */
  every(ms: number, fn: () => void): () => void;
}
