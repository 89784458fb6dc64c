/**
 * The injectable clock, and its two implementations: the real one, and a manual one for fast, exact tests. Every
 * wait in the runtime is "until a condition or a deadline", and every deadline goes through a clock.
 */

/** The injectable clock. Never use `Date.now()`/`setTimeout` directly in code that decides a verdict. */
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

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock: `performance.now()` for monotonic time, timers for deadlines. */
export function systemClock(): Clock {
  return {
    now: () => performance.now(),
    wallNow: () => Date.now(),
    until(at, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(abortReason(signal));
        const onAbort = () => {
          clearTimeout(timer);
          reject(abortReason(signal!));
        };
        // setTimeout fires at once for delays past 2^31-1 ms, so long deadlines are waited for in steps.
        const arm = (): ReturnType<typeof setTimeout> =>
          setTimeout(() => {
            if (performance.now() < at) {
              timer = arm();
              return;
            }
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }, Math.min(MAX_TIMER_MS, Math.max(0, at - performance.now())));
        let timer = arm();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    every(ms, fn) {
      const timer = setInterval(fn, ms);
      return () => clearInterval(timer);
    },
  };
}

interface Timer {
  at: number;
  id: number;
  fire: () => void;
}

/**
 * A clock that only moves when told to. `until` and `every` register timers that fire, in time order, as
 * {@link ManualClock.advance} moves time past them; promise continuations run between timers.
 *
 * @example
 * const clock = new ManualClock();
 * const done = runScenario(scenario, { plugins, clock });
 * await clock.advance(5_000); // fires every timer due in the next 5 s, in order
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly wallOffset: number;
  private timers: Timer[] = [];
  private nextId = 0;

  /** @param start initial `now()` @param wallStart epoch ms that `now() === start` corresponds to */
  constructor(start = 0, wallStart = Date.UTC(2026, 0, 1)) {
    this.current = start;
    this.wallOffset = wallStart - start;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.current + this.wallOffset;
  }

  until(at: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      if (at <= this.current) return resolve();
      const id = this.nextId++;
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t.id !== id);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.add({ at, id, fire: () => (signal?.removeEventListener('abort', onAbort), resolve()) });
    });
  }

  every(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    let stopped = false;
    const schedule = (from: number) => this.add({ at: from + ms, id, fire: () => { if (!stopped) { fn(); schedule(this.current); } } });
    schedule(this.current);
    return () => {
      stopped = true;
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Number of timers waiting. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** The time of the next timer, if any. */
  nextTimerAt(): number | undefined {
    return this.timers[0]?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due in order (time moves to each timer's time
   * before it fires), and lets promise continuations run after each. Resolves when time reached `now + ms`.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.fire();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Sets the time forward to `at` (no-op if it is in the past), firing timers as {@link advance} does. */
  async advanceTo(at: number): Promise<void> {
    await this.advance(Math.max(0, at - this.current));
  }

  private add(timer: Timer): void {
    const index = this.timers.findIndex((t) => t.at > timer.at);
    if (index === -1) this.timers.push(timer);
    else this.timers.splice(index, 0, timer);
  }
}

/** Lets pending promise continuations (and their I/O-free chains) run: a macrotask turn. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
