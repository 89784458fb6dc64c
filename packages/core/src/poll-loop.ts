/**
 * The adaptive poll loop for observers of sources that must be polled (a REST API, Prometheus): cheap when idle,
 * fast when urgent, immediate when a barrier waits. It owns readiness (first successful poll), barriers
 * (resolved by the first successful poll whose data `covers` a time after `t`; by default a poll covers the
 * time it started at) and blindness (a failed poll calls `ctx.blind`, the next good one `ctx.sighted`).
 * Transport-free: the poll itself is the observer's.
 */
import type { ObserverContext, ObserverSession } from './contract';
import { abortAt, abortable } from './deadline';
import { ErrorCodes, TesterError } from './errors';

/** Options of {@link PollLoop}. */
export interface PollLoopOptions {
  ctx: ObserverContext<unknown>;
  /** Interval while urgent, after a change, or while a barrier waits. */
  fastMs: number;
  /** The longest interval when idle (the interval doubles up to it while nothing changes). */
  slowMs: number;
  /** `ready()` rejects with `OBSERVER_NOT_READY` when no poll succeeded this long after the loop was created. */
  readyTimeoutMs: number;
  /** What is polling, for messages: `the API observer`. */
  label: string;
  /** Appended to the not-ready error: what to check (`Check that the control plane is up at baseUrl.`). */
  readyHint: string;
  /**
   * One poll. Resolves with whether anything changed and, optionally, the clock time up to which its data is
   * complete (`covers`; default: the time the poll started). Rejects with the reason it could not see.
   * `barrierPending` asks it to record its data even when unchanged, so a barrier is followed by a record.
   */
  poll(signal: AbortSignal, pollNo: number, barrierPending: boolean): Promise<{ changed: boolean; covers?: number }>;
}

interface Waiter {
  t: number;
  resolve(): void;
  reject(reason: unknown): void;
}

/** See the module comment. Call `start()` once; `stop()` resolves when the loop has ended. */
export class PollLoop {
  private readonly stopper = new AbortController();
  private readonly signal: AbortSignal;
  private readonly waiters = new Set<Waiter>();
  private wake: (() => void) | undefined;
  private wakeRequested = false;
  private blind = false;
  private lastFailure = 'no poll has completed yet';
  /** When the last successful poll started: what the source showed is known up to then (a blind span's start). */
  private lastSeenAt: number | undefined;
  private pollNo = 0;
  private readonly startedAt: number;
  private readonly readyPromise: Promise<void>;
  private markReady!: () => void;
  private isReady = false;
  private failReady!: (reason: unknown) => void;
  private running: Promise<void> | undefined;

  constructor(private readonly options: PollLoopOptions) {
    this.signal = AbortSignal.any([options.ctx.signal, this.stopper.signal]);
    this.startedAt = options.ctx.clock.now();
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.markReady = () => {
        this.isReady = true;
        resolve();
      };
      this.failReady = reject;
    });
    this.readyPromise.catch(() => undefined);
  }

  start(): void {
    this.running = this.loop();
    void this.watchUrgency();
  }

  /**
   * Starts the loop and returns the observer session around it: `ready` and `barrier` are the loop's, `stop`
   * (idempotent) ends the loop and then calls `release` (close the observer's HTTP pool, ...).
   */
  session(release: () => Promise<void>): ObserverSession {
    this.start();
    let stopped: Promise<void> | undefined;
    return {
      ready: () => this.ready(),
      barrier: (t, signal) => this.barrier(t, signal),
      stop: () =>
        (stopped ??= (async () => {
          await this.stop();
          await release();
        })()),
    };
  }

  /** Resolves after the first successful poll; rejects with `OBSERVER_NOT_READY` after the ready timeout. */
  async ready(): Promise<void> {
    if (this.isReady) return;
    const expiry = new AbortController();
    const cancel = abortAt(this.options.ctx.clock, this.startedAt + this.options.readyTimeoutMs, expiry, () =>
      new TesterError(
        ErrorCodes.OBSERVER_NOT_READY,
        `${this.options.label}: no successful poll within ${this.options.readyTimeoutMs} ms: ${this.lastFailure}. ${this.options.readyHint}`,
      ),
    );
    try {
      await abortable(this.readyPromise, AbortSignal.any([expiry.signal, this.signal]));
    } finally {
      cancel();
    }
  }

  /** Resolves once a successful poll's data covers a time after `t` (DESIGN.md "Windows and barriers"). */
  barrier(t: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted || this.signal.aborted) {
        reject(signal.reason ?? this.signal.reason);
        return;
      }
      const onAbort = () => {
        this.waiters.delete(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        t,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.requestWake();
    });
  }

  async stop(): Promise<void> {
    this.stopper.abort(this.stoppedError());
    this.requestWake();
    await this.running;
  }

  private stoppedError(): TesterError {
    return new TesterError(ErrorCodes.ABORTED, `${this.options.label} was stopped`);
  }

  private requestWake(): void {
    if (this.wake) this.wake();
    else this.wakeRequested = true;
  }

  private async watchUrgency(): Promise<void> {
    while (!this.signal.aborted) {
      await this.options.ctx.urgencyChanged();
      this.requestWake();
    }
  }

  private async loop(): Promise<void> {
    const { ctx, fastMs, slowMs } = this.options;
    let interval = fastMs;
    while (!this.signal.aborted) {
      const pollNo = ++this.pollNo;
      let changed = false;
      let ok = false;
      const started = ctx.clock.now();
      let covers = -Infinity;
      try {
        const result = await this.options.poll(this.signal, pollNo, this.waiters.size > 0);
        changed = result.changed;
        covers = result.covers ?? started;
        ok = true;
        this.lastSeenAt = started;
      } catch (error) {
        if (this.signal.aborted) break;
        this.lastFailure = (error as Error).message;
        if (!this.blind) {
          this.blind = true;
          // Blind since the last poll that saw (its data covers up to its start), not since this one failed.
          ctx.blind(this.lastFailure, this.lastSeenAt === undefined ? undefined : { since: this.lastSeenAt });
        }
      }
      if (ok) {
        if (this.blind) {
          this.blind = false;
          ctx.sighted();
        }
        this.markReady();
        for (const waiter of this.waiters) {
          if (covers > waiter.t) {
            this.waiters.delete(waiter);
            waiter.resolve();
          }
        }
      }
      interval = ctx.urgent() || changed ? fastMs : Math.min(slowMs, Math.max(fastMs, interval * 2));
      let sleepMs = interval;
      if (this.waiters.size > 0) {
        // A barrier needs a poll covering a time after its t: poll again as soon as one can (just after t). A source
        // whose data lags (polled after t, data not past t yet) or that fails is retried at the fast pace, never in a
        // tight loop.
        const latest = Math.max(...[...this.waiters].map((w) => w.t));
        const untilAfterT = Math.max(0, latest + 1 - ctx.clock.now());
        const lagging = ok && started > latest && covers <= latest;
        sleepMs = this.blind || lagging ? Math.max(untilAfterT, fastMs) : untilAfterT;
      }
      await this.sleep(sleepMs);
    }
    const reason = this.signal.reason ?? this.stoppedError();
    this.failReady(reason);
    for (const waiter of this.waiters) waiter.reject(reason);
    this.waiters.clear();
  }

  private async sleep(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return;
    }
    if (ms <= 0 || this.signal.aborted) return;
    const { clock } = this.options.ctx;
    const cancel = new AbortController();
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    try {
      await Promise.race([clock.until(clock.now() + ms, AbortSignal.any([cancel.signal, this.signal])).catch(() => undefined), woken]);
    } finally {
      cancel.abort();
      this.wake = undefined;
    }
  }
}
