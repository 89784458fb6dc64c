/**
 * One observer session per source per process, shared by every scenario running in it (issue "Speed and scale"):
 * one Kafka consumer instead of one group join per scenario, one REST poller whose fast interval follows whichever
 * scenario is urgent, instead of one poller per scenario loading the system under test.
 *
 * Sharing is opt-in per observer ({@link ObserverDefinition.share}): a shared session records everything its
 * source shows (not only one scenario's systems) and must not depend on one run (its `runId` is the pool's). Each
 * scenario gets a *view*: its own context (timeline, blind spans, urgency, secrets), fed from the moment the view
 * is ready, so it sees exactly the observations from its own start on:
 *
 * - `share: 'state'` (a poller whose observations describe the current state, recorded when it changes): a view
 *   starts with the latest observation of every item, as a fresh session's first poll would record it. Items a
 *   first poll leaves out (a finished chaos, policy execution or reconciliation: history) are left out too.
 * - `share: 'stream'` (a consumer of events): a view starts once the shared session's barrier at the join passed,
 *   so nothing produced before the scenario started is handed to it.
 *
 * Barriers, blindness and urgency are per-scenario views of the shared session; a third-party observer that does
 * not declare `share` keeps one session per scenario, as before.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { BlindDetail, Interest, ObserverContext, ObserverDefinition, ObserverSession, TesterPlugin } from '../contract';
import { abortable } from '../deadline';
import type { Logger } from '../logger';
import { silentLogger } from '../logger';
import { ObservationKinds, type ObservationInput } from '../observation';
import { createTimeline, type Timeline } from '../timeline';

/** Options of {@link createObserverPool}. */
export interface ObserverPoolOptions {
  /** The clock every run sharing the pool uses (a run on another clock gets sessions of its own). @default the runs' */
  clock?: Clock;
  /** Where shared sessions log. @default silent */
  logger?: Logger;
  /** Bound of each shared session's `stop()` at {@link ObserverPool.close}. @default 10000 */
  stopTimeoutMs?: number;
}

/** Shared observer sessions for the runs of one process: pass it as `RunOptions.observerPool`, close it at the end. */
export interface ObserverPool {
  /**
   * A view of the shared session of `definition` for one run, or `undefined` when it cannot be shared with this
   * run (the observer does not declare `share`, another clock, interests the shared session did not start with).
   * @internal called by core's runtime
   */
  join(plugin: TesterPlugin, key: string, definition: ObserverDefinition, view: ObserverContext): ObserverSession | undefined;
  /** How many sessions were started, by `plugin/key` (a test's and a benchmark's figure). */
  sessionsStarted(): Record<string, number>;
  /** Stops every shared session (each bounded). Runs still using the pool see their observers stop. */
  close(): Promise<void>;
}

/** Creates a pool. */
export function createObserverPool(options: ObserverPoolOptions = {}): ObserverPool {
  const shared = new Map<string, Shared>();
  const started: Record<string, number> = {};
  let closed = false;
  return {
    join(plugin, key, definition, view) {
      if (!definition.share || closed) return undefined;
      const clock = options.clock ?? view.clock;
      if (view.clock !== clock) return undefined;
      const id = `${plugin.name}/${key}`;
      let entry = shared.get(id);
      if (entry && (entry.plugin !== plugin || !covers(entry.interests, view.interests))) return undefined;
      if (!entry) {
        entry = new Shared(plugin, key, definition, view.source, view.interests, clock, options.logger ?? silentLogger());
        shared.set(id, entry);
        started[id] = (started[id] ?? 0) + 1;
      }
      return entry.view(view);
    },
    sessionsStarted: () => ({ ...started }),
    async close() {
      closed = true;
      await Promise.all([...shared.values()].map((s) => s.stop(options.stopTimeoutMs ?? 10_000)));
      shared.clear();
    },
  };
}

/** Every interest of `wanted` is one the shared session started with (interests are handed over before start). */
function covers(have: readonly Interest[], wanted: readonly Interest[]): boolean {
  const keys = new Set(have.map((i) => JSON.stringify(i)));
  return wanted.every((i) => keys.has(JSON.stringify(i)));
}

/** An item of a state-sharing observer: kind, subject and (for executions, chaos, reconciliations) its id. */
function itemKey(input: ObservationInput<unknown>): string {
  const data = input.data as { id?: unknown } | null | undefined;
  return `${input.kind}\u0000${input.subject ?? ''}\u0000${typeof data?.id === 'string' || typeof data?.id === 'number' ? data.id : ''}`;
}

/** History a fresh session's first poll does not record: a finished chaos, policy execution or reconciliation. */
function isHistory(input: ObservationInput<unknown>): boolean {
  const data = (input.data ?? {}) as { endedAt?: unknown; finishedAt?: unknown };
  if (input.kind === ObservationKinds.chaos) return data.endedAt !== null && data.endedAt !== undefined;
  if (input.kind === ObservationKinds.policyExecution || input.kind === ObservationKinds.reconciliation)
    return data.finishedAt !== null && data.finishedAt !== undefined;
  return false;
}

interface View {
  ctx: ObserverContext;
  attached: boolean;
  /** Barriers of this view in flight: an unchanged item recorded again (a poll forced by a barrier) is for them. */
  barriers: number;
}

/** A view fed and asked: attached to the session, and its run not over. */
const live = (view: View): boolean => view.attached && !view.ctx.signal.aborted;

/** The same item in the same state: what a poller records again only to follow a barrier with a record. */
function sameAs(a: ObservationInput<unknown> | undefined, b: ObservationInput<unknown>): boolean {
  return a !== undefined && a.kind === b.kind && a.subject === b.subject && JSON.stringify(a.data) === JSON.stringify(b.data);
}

class Shared {
  private readonly views = new Set<View>();
  private readonly latest = new Map<string, ObservationInput<unknown>>();
  private readonly blindNow = new Map<string, { reason: string; detail?: BlindDetail }>();
  private readonly secrets = new Set<string>();
  private readonly controller = new AbortController();
  private readonly timeline: Timeline = createTimeline({ cap: 10_000 });
  private wakeUrgency: (() => void)[] = [];
  private readonly session: Promise<ObserverSession>;

  constructor(
    readonly plugin: TesterPlugin,
    key: string,
    private readonly definition: ObserverDefinition,
    private readonly source: string,
    readonly interests: readonly Interest[],
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.session = Promise.resolve().then(() => definition.start(this.hubContext(logger.child?.({ plugin: plugin.name, hook: `observers.${key}`, shared: true }) ?? logger)));
    // A start that fails is reported to every view's ready(); never an unhandled rejection here.
    this.session.catch(() => undefined);
  }

  private hubContext(logger: Logger): ObserverContext {
    return {
      runId: `pool-${randomUUID()}`,
      timeline: this.timeline,
      signal: this.controller.signal,
      logger,
      clock: this.clock,
      config: this.plugin.options,
      source: this.source,
      interests: this.interests,
      registerSecret: (value) => {
        if (!value) return;
        this.secrets.add(value);
        for (const v of this.views) v.ctx.registerSecret(value);
      },
      record: (input) => {
        // An unchanged item recorded again answers a barrier: only the views waiting on one get it, as a session
        // of their own would have recorded it only for its own barrier (others would see activity that is none).
        let repeat = false;
        if (this.definition.share === 'state') {
          const key = itemKey(input);
          repeat = sameAs(this.latest.get(key), input);
          this.latest.set(key, input);
        }
        for (const v of this.views) if (live(v) && (!repeat || v.barriers > 0)) v.ctx.record(input);
        return this.timeline.record(input, this.source, this.clock.now());
      },
      blind: (reason, detail) => {
        this.blindNow.set(detail?.resource ?? '', { reason, ...(detail ? { detail } : {}) });
        for (const v of this.views) if (live(v)) v.ctx.blind(reason, detail);
      },
      sighted: (detail) => {
        this.blindNow.delete(detail?.resource ?? '');
        for (const v of this.views) if (live(v)) v.ctx.sighted(detail);
      },
      urgent: () => [...this.views].some((v) => live(v) && v.ctx.urgent()),
      // Resolved by a change that matters (a view's urgency, a view joining or leaving, the pool closing), never at
      // once for a run that is over: a poller waiting on it in a loop would spin without yielding.
      urgencyChanged: () =>
        new Promise<void>((resolve) => {
          if (this.controller.signal.aborted) resolve();
          else this.wakeUrgency.push(resolve);
        }),
    };
  }

  private urgencyMayHaveChanged(): void {
    const wake = this.wakeUrgency;
    this.wakeUrgency = [];
    for (const w of wake) w();
  }

  /** Hands the view what the shared session showed so far, as a fresh session would have recorded it, then feeds it. */
  private attach(view: View): void {
    for (const secret of this.secrets) view.ctx.registerSecret(secret);
    if (this.definition.share === 'state') for (const input of this.latest.values()) if (!isHistory(input)) view.ctx.record(input);
    for (const { reason, detail } of this.blindNow.values()) view.ctx.blind(reason, detail);
    view.attached = true;
    this.urgencyMayHaveChanged();
    void this.followUrgency(view);
  }

  /** Passes on each change of the view's urgency while its run lasts (its signal ends the wait, and the loop). */
  private async followUrgency(view: View): Promise<void> {
    while (live(view) && !this.controller.signal.aborted) {
      await view.ctx.urgencyChanged();
      this.urgencyMayHaveChanged();
    }
  }

  view(ctx: ObserverContext): ObserverSession {
    const view: View = { ctx, attached: false, barriers: 0 };
    this.views.add(view);
    let left = false;
    return {
      ready: async () => {
        const session = await abortable(this.session, ctx.signal);
        await abortable(session.ready(), ctx.signal);
        // A stream's view starts after everything up to its join was seen: nothing from before it is handed over.
        if (this.definition.share === 'stream') await session.barrier(this.clock.now(), ctx.signal);
        if (!left) this.attach(view);
      },
      barrier: async (t, signal) => {
        view.barriers += 1;
        try {
          await (await abortable(this.session, signal)).barrier(t, signal);
        } finally {
          view.barriers -= 1;
        }
      },
      stop: async () => {
        left = true;
        this.views.delete(view);
        this.urgencyMayHaveChanged();
      },
    };
  }

  async stop(timeoutMs: number): Promise<void> {
    this.controller.abort();
    this.urgencyMayHaveChanged();
    const session = await this.session.catch(() => undefined);
    if (!session) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      session.stop().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }
}
