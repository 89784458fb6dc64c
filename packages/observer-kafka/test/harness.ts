/**
 * A tiny in-test stand-in for core's runtime: an ObserverContext over core's timeline and system clock,
 * a logger that keeps every line *unredacted* (so a test can prove the plugin never logs a secret itself),
 * and a record of blind/sighted calls, so the observer can be driven without a whole scenario.
 */
import { type Observation, type ObservationInput, type ObserverContext } from '@tester/core';
import { createTimeline, systemClock, type Logger } from '@tester/core/runner';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

export interface Harness<C = unknown> {
  ctx: ObserverContext<C>;
  observations: Observation[];
  logs: LogLine[];
  secrets: string[];
  blindness: { at: number; blind: boolean; reason?: string }[];
  isBlind(): boolean;
  /** Aborts the harness' signal (what the runtime does at the end of a scenario). */
  abort(): void;
  /** Resolves when `predicate` holds (checked on every record and blind/sighted), or rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void>;
}

export function createHarness<C = unknown>(options: { runId?: string; config?: C } = {}): Harness<C> {
  const clock = systemClock();
  const timeline = createTimeline();
  const controller = new AbortController();
  const observations: Observation[] = [];
  const logs: LogLine[] = [];
  const secrets: string[] = [];
  const blindness: Harness<C>['blindness'] = [];
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };

  const logger = (fields: Record<string, unknown> = {}): Logger => {
    const at =
      (level: LogLine['level']) =>
      (message: string, extra?: Record<string, unknown>) =>
        logs.push({ level, message, fields: { ...fields, ...extra } });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => logger({ ...fields, ...f }) };
  };

  const ctx: ObserverContext<C> = {
    runId: options.runId ?? `run-${Math.random().toString(36).slice(2, 10)}`,
    timeline,
    signal: controller.signal,
    logger: logger(),
    clock,
    config: options.config as C,
    source: 'kafka',
    registerSecret: (value) => {
      if (value) secrets.push(value);
    },
    record<D>(input: ObservationInput<D>): Observation<D> {
      const observation = timeline.append<D>({ ...input, source: 'kafka', receivedAt: clock.now() });
      observations.push(observation as Observation);
      changed();
      return observation;
    },
    blind(reason) {
      if (blindness.at(-1)?.blind) return;
      blindness.push({ at: clock.now(), blind: true, reason });
      changed();
    },
    sighted() {
      if (!blindness.at(-1)?.blind) return;
      blindness.push({ at: clock.now(), blind: false });
      changed();
    },
    urgent: () => true,
    urgencyChanged: () => new Promise(() => undefined),
    interests: [],
  };

  return {
    ctx,
    observations,
    logs,
    secrets,
    blindness,
    isBlind: () => blindness.at(-1)?.blind === true,
    abort: () => controller.abort(new Error('scenario ended')),
    until(predicate, timeoutMs, what) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
