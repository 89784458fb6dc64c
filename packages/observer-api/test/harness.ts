/**
 * A tiny in-test runtime: a timeline, a real clock, an ObserverContext and an ActionContext, so the observer
 * and actions can be driven before core's runtime exists. It records blind/sighted calls, registered
 * secrets and every log line, so tests can check what left the plugin.
 */
import type {
  ActionContext,
  Clock,
  Ledger,
  LedgerEntryInput,
  Logger,
  Observation,
  ObservationInput,
  ObservationQuery,
  ObserverContext,
  TimelineView,
} from '@tester/core';

export function realClock(): Clock {
  return {
    now: () => performance.now(),
    wallNow: () => performance.timeOrigin + performance.now(),
    until: (at, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, Math.max(0, at - performance.now()));
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    every: (ms, fn) => {
      const t = setInterval(fn, ms);
      return () => clearInterval(t);
    },
  };
}

const matches = (o: Observation, q: ObservationQuery = {}): boolean => {
  const one = (v: string | readonly string[] | undefined, x: string) => v === undefined || (typeof v === 'string' ? v === x : v.includes(x));
  return one(q.source, o.source) && one(q.kind, o.kind) && (q.subject === undefined || q.subject === o.subject) &&
    (q.since === undefined || o.receivedAt >= q.since) && (q.until === undefined || o.receivedAt <= q.until);
};

export class TestTimeline implements TimelineView {
  readonly items: Observation[] = [];
  private readonly listeners = new Set<(o: Observation) => void>();
  get size() {
    return this.items.length;
  }
  append(o: Omit<Observation, 'seq'>): Observation {
    const stored = { ...o, seq: this.items.length + 1 } as Observation;
    this.items.push(stored);
    for (const l of [...this.listeners]) l(stored);
    return stored;
  }
  get(seq: number) {
    return this.items[seq - 1];
  }
  query(q?: ObservationQuery) {
    return this.items.filter((o) => matches(o, q));
  }
  latest(q?: ObservationQuery) {
    return this.query(q).at(-1);
  }
  subscribe(listener: (o: Observation) => void, q?: ObservationQuery) {
    const l = (o: Observation) => matches(o, q) && listener(o);
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }
  waitFor(predicate: (o: Observation) => boolean, options: { query?: ObservationQuery; signal: AbortSignal }) {
    return new Promise<Observation>((resolve, reject) => {
      const found = this.query(options.query).find(predicate);
      if (found) return resolve(found);
      if (options.signal.aborted) return reject(options.signal.reason);
      const off = this.subscribe((o) => {
        if (!predicate(o)) return;
        off();
        resolve(o);
      }, options.query);
      options.signal.addEventListener('abort', () => (off(), reject(options.signal.reason)), { once: true });
    });
  }
}

export interface Harness {
  timeline: TestTimeline;
  clock: Clock;
  controller: AbortController;
  secrets: string[];
  logs: string[];
  blindness: { blind: boolean; events: string[] };
  ledger: (LedgerEntryInput & { struck: boolean })[];
  setUrgent(v: boolean): void;
  observerContext<C>(config: C, source?: string): ObserverContext<C>;
  actionContext<C>(config: C, actionId?: string): ActionContext<C>;
  /** Everything that left the plugin, as one string (for "no secret anywhere" checks). */
  everything(): string;
}

export function createHarness(runId = `run-${Math.random().toString(36).slice(2, 10)}`, clock: Clock = realClock()): Harness {
  const timeline = new TestTimeline();
  const controller = new AbortController();
  const secrets: string[] = [];
  const logs: string[] = [];
  const blindness = { blind: false, events: [] as string[] };
  const ledgerEntries: (LedgerEntryInput & { struck: boolean })[] = [];
  let urgent = false;
  let urgencyWaiters: (() => void)[] = [];
  const logger: Logger = {
    debug: (m, f) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`),
    info: (m, f) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`),
    child: () => logger,
  };
  const ledger: Ledger = {
    async record(entry) {
      const stored = { ...entry, struck: false };
      ledgerEntries.push(stored);
      return { strike: async () => void (stored.struck = true) };
    },
  };
  const base = <C>(config: C) => ({
    runId,
    timeline,
    signal: controller.signal,
    logger,
    clock,
    config,
    registerSecret: (v: string | undefined) => void (v && secrets.push(v)),
  });
  return {
    timeline,
    clock,
    controller,
    secrets,
    logs,
    blindness,
    ledger: ledgerEntries,
    setUrgent(v) {
      urgent = v;
      const w = urgencyWaiters;
      urgencyWaiters = [];
      w.forEach((f) => f());
    },
    observerContext<C>(config: C, source = 'api'): ObserverContext<C> {
      return {
        ...base(config),
        source,
        interests: [],
        record<D>(input: ObservationInput<D>) {
          return timeline.append({ ...input, source, receivedAt: clock.now() }) as Observation<D>;
        },
        blind(reason: string) {
          if (blindness.blind) return;
          blindness.blind = true;
          blindness.events.push(`blind: ${reason}`);
        },
        sighted() {
          if (!blindness.blind) return;
          blindness.blind = false;
          blindness.events.push('sighted');
        },
        urgent: () => urgent,
        urgencyChanged: () =>
          new Promise<void>((resolve) => {
            urgencyWaiters.push(resolve);
            controller.signal.addEventListener('abort', () => resolve(), { once: true });
          }),
      };
    },
    actionContext<C>(config: C, actionId = 'actions[0]'): ActionContext<C> {
      return { ...base(config), actionId, ledger };
    },
    everything() {
      return JSON.stringify({ timeline: timeline.items, logs, blind: blindness.events, ledger: ledgerEntries });
    },
  };
}

/** Waits for `predicate` with a deadline (tests never sleep a fixed time). */
export async function eventually<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
