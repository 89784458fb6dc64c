/**
 * Observer sessions of a run: start, ready, blind spans, barriers and stop. Every call goes through the run's hook
 * driver, in parallel across observers (and so across plugins).
 */
import type { BlindSpan, ObserverContext, ObserverDefinition, ObserverSession, TesterPlugin } from '../contract';
import { abortable } from '../deadline';
import { ErrorCodes, TesterError } from '../errors';
import type { ObservationRef } from '../observation';
import type { ObserverResult } from '../result-types';
import type { ObserverPool } from './observer-pool';
import { type RunState, pluginContext } from './run-state';

/** One observer of the run. */
export interface ObserverEntry {
  plugin: TesterPlugin;
  key: string;
  source: string;
  definition: ObserverDefinition;
  session?: ObserverSession;
  readyAt?: number;
  /** When `start` was called: no blind span starts before it. */
  startedAt?: number;
  /** The open blind spans, by resource (`''`: the whole source). */
  current: Map<string, BlindSpan>;
  spans: BlindSpan[];
  /** `stop()` was called (or will be, for a session that starts after the run gave up on it). */
  stopped: boolean;
}

/** Lists the observers of the plugins, one entry per `observers` key. */
export function collectObservers(plugins: readonly TesterPlugin[]): ObserverEntry[] {
  return plugins.flatMap((plugin) =>
    Object.entries(plugin.observers ?? {}).map(([key, definition]) => ({
      plugin: plugin as TesterPlugin,
      key,
      source: definition.source ?? key,
      definition: definition as ObserverDefinition,
      current: new Map<string, BlindSpan>(),
      spans: [],
      stopped: false,
    })),
  );
}

function observerContext(run: RunState, entry: ObserverEntry): ObserverContext {
  const base = pluginContext(run, entry.plugin, `observers.${entry.key}`);
  const runtimeRef = (detail: string): ObservationRef => ({ type: 'runtime', detail });
  return {
    ...base,
    source: entry.source,
    interests: run.interests.filter((i) => i.source === entry.source),
    record(input) {
      return run.timeline.record(input, entry.source, run.clock.now());
    },
    blind(reason, detail) {
      const key = detail?.resource ?? '';
      if (entry.current.has(key) || run.finished) return;
      const now = run.clock.now();
      // Backdated to when the source was last seen (BlindDetail.since), never into the previous span of the same
      // resource, before the observer started, or into the future.
      const previousEnd = Math.max(Number.NEGATIVE_INFINITY, ...entry.spans.filter((s) => (s.resource ?? '') === key).map((s) => s.to ?? now));
      const since = typeof detail?.since === 'number' && Number.isFinite(detail.since) ? detail.since : now;
      const from = Math.min(now, Math.max(since, previousEnd, entry.startedAt ?? Number.NEGATIVE_INFINITY));
      const span: BlindSpan = { source: entry.source, from, to: undefined, reason: run.redactor.text(reason), ...(key ? { resource: key } : {}) };
      entry.current.set(key, span);
      entry.spans.push(span);
      const what = `observer ${entry.source}${key ? ` (${key})` : ''}`;
      run.markBlind(span, detail?.ref ?? runtimeRef(`${what} blind: ${span.reason}`));
    },
    sighted(detail) {
      const key = detail?.resource ?? '';
      const span = entry.current.get(key);
      if (!span || run.finished) return;
      entry.current.delete(key);
      run.markSighted(span);
    },
    urgent: () => run.urgent,
    urgencyChanged: () => abortable(run.urgency.wait(), run.controller.signal).catch(() => undefined),
  };
}

/** The hook name of an observer's `part` (`observers.api.start`). */
const hookOf = (entry: ObserverEntry, part: 'start' | 'ready' | 'barrier' | 'stop') => `observers.${entry.key}.${part}`;

/** How long a session that arrives after the run stopped waiting for its `start` may take to stop. */
const LATE_STOP_MS = 10_000;

/**
 * Starts every observer in parallel (or joins the pool's shared session of those that declare `share`) and waits
 * for each to be ready, bounded by the run's deadline.
 * Throws the first failure (attributed), or `OBSERVER_NOT_READY` naming the observers still not ready.
 */
export async function startObservers(run: RunState, entries: ObserverEntry[], pool?: ObserverPool): Promise<void> {
  const outcomes = await run.hooks.parallel(entries, async (entry) => {
    entry.startedAt = run.clock.now();
    const start = () => {
      const ctx = observerContext(run, entry);
      return pool?.join(entry.plugin, entry.key, entry.definition, ctx) ?? entry.definition.start(ctx);
    };
    const started = await run.hooks.call({ plugin: entry.plugin.name, hook: hookOf(entry, 'start'), invoke: start });
    if (started.kind !== 'value') {
      // A session that arrives after the run stopped waiting (abort, timeout) must still be stopped.
      if (started.kind !== 'error') {
        started.late.then(
          (session) => {
            entry.session = session;
            if (entry.stopped) void stopOne(run, entry, session, LATE_STOP_MS);
          },
          () => {},
        );
      }
      return started;
    }
    const session = (entry.session = started.value);
    const ready = await run.hooks.call({ plugin: entry.plugin.name, hook: hookOf(entry, 'ready'), invoke: () => session.ready() });
    if (ready.kind === 'value') {
      entry.readyAt = run.clock.now();
      run.progress({ type: 'observer', source: entry.source, status: 'ready', at: entry.readyAt });
    }
    return ready;
  });
  const failed = outcomes.find((o) => o.kind === 'error');
  if (failed && failed.kind === 'error') throw failed.error;
  if (outcomes.some((o) => o.kind === 'aborted')) throw run.controller.signal.reason;
  const notReady = entries.filter((e) => e.readyAt === undefined);
  if (notReady.length) {
    // What the observers said while getting ready (a blind reason names the address and the cause), if anything.
    const said = notReady.flatMap((e) => e.spans.slice(-1).map((s) => `${e.source}: ${s.reason}`));
    throw new TesterError(
      ErrorCodes.OBSERVER_NOT_READY,
      `observer(s) ${notReady.map((e) => e.source).join(', ')} not ready before the scenario timeout${said.length ? ` (${said.join('; ')})` : ''}: ` +
        'check that the source is reachable, or raise timeout',
      { context: { sources: notReady.map((e) => e.source) } },
    );
  }
}

/**
 * Asks every observer for `barrier(t)` in parallel, bounded by the run's signal. Resolves `true` when all
 * resolved; `false` when the run was aborted or timed out first; throws the first attributed failure.
 * `pending`, when given, holds the sources whose barrier has not resolved yet.
 */
export async function barriers(run: RunState, entries: ObserverEntry[], t: number, pending?: Set<string>): Promise<boolean> {
  const started = entries.filter((e): e is ObserverEntry & { session: ObserverSession } => e.session !== undefined);
  const outcomes = await run.hooks.parallel(started, async (entry) => {
    pending?.add(entry.source);
    const outcome = await run.hooks.call({ plugin: entry.plugin.name, hook: hookOf(entry, 'barrier'), invoke: (signal) => entry.session.barrier(t, signal) });
    if (outcome.kind === 'value') pending?.delete(entry.source);
    return outcome;
  });
  const failed = outcomes.find((o) => o.kind === 'error');
  if (failed && failed.kind === 'error') throw failed.error;
  return outcomes.every((o) => o.kind === 'value');
}

/** Stops every started observer in parallel, each bounded by `timeoutMs`. Failures go to `run.errors`. */
export async function stopObservers(run: RunState, entries: ObserverEntry[], timeoutMs: number): Promise<void> {
  await run.hooks.parallel(entries, async (entry) => {
    if (entry.stopped) return;
    entry.stopped = true;
    if (entry.session) await stopOne(run, entry, entry.session, timeoutMs);
  });
}

async function stopOne(run: RunState, entry: ObserverEntry, session: ObserverSession, timeoutMs: number): Promise<void> {
  // Not the run's signal: stopping happens on every exit path, also after an abort.
  const outcome = await run.hooks.call(
    { plugin: entry.plugin.name, hook: hookOf(entry, 'stop'), invoke: () => session.stop() },
    { signal: null, timeoutMs, timeoutMessage: `observer ${entry.source} did not stop within ${timeoutMs} ms` },
  );
  if (outcome.kind === 'error') run.addError(outcome.error);
  else if (outcome.kind !== 'value') run.addError(outcome.reason);
  // Close the spans still open at the end, so the report says until when the observer was blind.
  for (const span of entry.current.values()) run.closeSpan(span);
}

/** The observers' part of the result. */
export function observerResults(entries: ObserverEntry[]): ObserverResult[] {
  return entries.map((e) => ({
    source: e.source,
    plugin: e.plugin.name,
    ...(e.readyAt === undefined ? {} : { readyAt: e.readyAt }),
    blindSpans: e.spans.map((s) => ({ ...s })),
  }));
}
