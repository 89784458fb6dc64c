/**
 * `@tester/core/testing`: drive a plugin's observers and actions in a test without the runtime. A harness gives
 * real contexts over core's timeline and a real clock (or yours), and records what left the plugin — log lines,
 * registered secrets, blind/sighted calls, ledger entries — so a test can check it, e.g. that a secret appears
 * nowhere. For third-party plugin authors as much as for tester's own observers.
 *
 * @example
 * const h = createPluginHarness();
 * const session = await myPlugin.observers!.rows!.start(h.observerContext(myPlugin.options, 'sql'));
 * await session.ready();
 * await eventually(() => h.timeline.query({ kind: 'sql.row' }).length > 0, 5_000, 'a row');
 */
import { type Clock, systemClock } from './clock';
import { z } from 'zod';
import { type ActionContext, type Evaluator, type Interest, type Ledger, type LedgerEntryInput, type ObserverContext, PLUGIN_API_VERSION, type TesterPlugin, definePlugin } from './contract';
import type { Logger } from './logger';
import type { Observation, ObservationInput } from './observation';
import { type Timeline, createTimeline } from './timeline';

/** What {@link createPluginHarness} returns. */
export interface PluginHarness {
  timeline: Timeline;
  clock: Clock;
  /** Aborting it is what the runtime does when a scenario must stop now (the contexts' `signal`). */
  controller: AbortController;
  /** Every value passed to `registerSecret`. */
  secrets: string[];
  /** Every log line, as `message {fields}`. */
  logs: string[];
  /** Whether an observer is blind now, and every blind/sighted call in order. */
  blindness: { blind: boolean; events: string[] };
  /** Every ledger entry recorded through an action context, and whether it was struck. */
  ledger: (LedgerEntryInput & { struck: boolean })[];
  /** Sets what `ctx.urgent()` answers, and wakes `ctx.urgencyChanged()`. */
  setUrgent(urgent: boolean): void;
  /** An observer context recording under `source` (default `api`), with the given interests. */
  observerContext<C>(config: C, source?: string, interests?: readonly Interest[]): ObserverContext<C>;
  actionContext<C>(config: C, actionId?: string): ActionContext<C>;
  /** Everything that left the plugin, as one string: for "no secret anywhere" checks. */
  everything(): string;
}

/** Creates a harness. `runId` defaults to a random one; `clock` to the real clock. */
export function createPluginHarness(options: { runId?: string; clock?: Clock } = {}): PluginHarness {
  const runId = options.runId ?? `run-${Math.random().toString(36).slice(2, 10)}`;
  const clock = options.clock ?? systemClock();
  const timeline = createTimeline();
  const controller = new AbortController();
  const secrets: string[] = [];
  const logs: string[] = [];
  const blindness = { blind: false, events: [] as string[] };
  const ledgerEntries: (LedgerEntryInput & { struck: boolean })[] = [];
  let urgent = false;
  let urgencyWaiters: (() => void)[] = [];
  const line = (m: string, f?: Record<string, unknown>) => void logs.push(`${m} ${JSON.stringify(f ?? {})}`);
  const logger: Logger = { debug: line, info: line, warn: line, error: line, child: () => logger };
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
      const waiters = urgencyWaiters;
      urgencyWaiters = [];
      waiters.forEach((wake) => wake());
    },
    observerContext<C>(config: C, source = 'api', interests: readonly Interest[] = []): ObserverContext<C> {
      return {
        ...base(config),
        source,
        interests,
        record<D>(input: ObservationInput<D>) {
          return timeline.record(input, source, clock.now()) as Observation<D>;
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
      return JSON.stringify({ timeline: timeline.query(), logs, blind: blindness.events, ledger: ledgerEntries });
    },
  };
}

/**
 * Resolves with the first truthy value of `fn`, polled until `timeoutMs` passes: tests wait on conditions with a
 * deadline, never a fixed sleep.
 */
export async function eventually<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A plugin that proves an observer's blindness reaches the verdict, under the real runtime. Action `SOURCE`
 * (`stop: true` calls `stop`, e.g. to stop the observed service mid-window) and section `probe` (`source: <name>`),
 * whose expectation passes only once the window is closed, that is once every observer's `barrier(T)` passed. With
 * the source stopped, the barrier cannot pass, and the runtime must answer `error` (blind) at the timeout, never
 * `passed` and never `failed`. Use it with {@link blindnessProbeScenario}.
 */
export function blindnessProbePlugin(stop: () => Promise<void>): TesterPlugin {
  return definePlugin({
    name: 'tester-blindness-probe',
    apiVersion: PLUGIN_API_VERSION,
    actions: {
      SOURCE: {
        schema: z.strictObject({ stop: z.boolean() }),
        async run(_ctx, p: { stop: boolean }) {
          if (p.stop) await stop();
          return { summary: p.stop ? 'stopped the source' : 'left the source running' };
        },
      },
    },
    assertions: {
      probe: {
        schema: z.strictObject({ source: z.string() }),
        create: (item: { source: string }): Evaluator => ({
          description: `probe on ${item.source}`,
          sources: [item.source],
          needsClosedWindow: true,
          verdict: (ctx) => (ctx.window.closed ? { status: 'passed', message: 'ok', evidence: [] } : { status: 'pending', waitingFor: 'the window to close' }),
        }),
      },
    },
  });
}

/** The scenario for {@link blindnessProbePlugin}: one `SOURCE` action, one `probe` on `source`, a 6 s timeout. */
export function blindnessProbeScenario(source: string, stop: boolean): string {
  return ['name: blind-verdict', 'timeout: 6', 'window:', '  after: 2s', 'actions:', '  - type: SOURCE', `    stop: ${stop}`, 'expectations:', '  probe:', `    - source: ${source}`].join('\n');
}
