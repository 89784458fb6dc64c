/**
 * The plugin contract: the one shape every observer, action and assertion takes, built-in or third-party.
 *
 * A plugin is a plain object (`definePlugin({...})`) with no `this`: every hook receives an explicit context.
 * Built-in packages use exactly this contract; the CLI special-cases none of them.
 */
import type { ZodType } from 'zod';
import type { Clock } from './clock';
import type { Logger } from './logger';
import type { Observation, ObservationInput, ObservationRef } from './observation';
import type { TimelineView } from './timeline-types';

/**
 * The plugin-API version this build of `@tester/core` implements. A plugin declares the version it targets in
 * `apiVersion`; a plugin that targets another major is refused with `PLUGIN_API_MISMATCH` when it is loaded.
 */
export const PLUGIN_API_VERSION = 1 as const;

/** JSON-compatible value: what a ledger entry, an evidence excerpt or a config block may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What every hook gets. Scoped to one plugin in one scenario run. */
export interface PluginContext<Config = unknown> {
  /** Unique id of this scenario run. Actions pass it to the system under test (`X-Tester-Run`, correlation ids). */
  readonly runId: string;
  /** The run's timeline: read, query and subscribe. Observers append through {@link ObserverContext.record}. */
  readonly timeline: TimelineView;
  /** Aborted when the scenario must stop now (timeout, SIGINT/SIGTERM, fail-fast, a fatal error). */
  readonly signal: AbortSignal;
  /** Logger scoped to this plugin; every message goes through secret redaction. */
  readonly logger: Logger;
  /** The injectable clock. Never use `Date.now()`/`setTimeout` directly in code that decides a verdict. */
  readonly clock: Clock;
  /** This plugin's parsed configuration block (the output of {@link TesterPlugin.config}), or `undefined`. */
  readonly config: Config;
  /**
   * Registers a secret value (token, password). It is replaced by `***` in every log line, error message,
   * observation and report of the run.
   */
  registerSecret(value: string | undefined): void;
}

// ---------------------------------------------------------------------------------------------------------
// Observers

/** Context of an observer session. */
export interface ObserverContext<Config = unknown> extends PluginContext<Config> {
  /** The `source` name this observer records under (`api`, `kafka`, `prometheus`, or the plugin's own). */
  readonly source: string;
  /**
   * Appends an observation to the timeline. `source` and `receivedAt` are filled in; `seq` is assigned.
   * Returns the stored observation.
   */
  record<D>(input: ObservationInput<D>): Observation<D>;
  /**
   * Says that this observer cannot see (broker down, API answering 500, Prometheus unreachable), and why: the
   * reason names the address and the cause (`broker 127.0.0.1:9092 unreachable: ECONNREFUSED`).
   * Until {@link ObserverContext.sighted} is called, the observer is *blind*: an expectation that needs this
   * source and whose window overlaps a blind span is `error`, never `passed`, and a failure decided while the
   * observer was blind is `error` too (it rests on a stale view). Idempotent while blind (per
   * {@link BlindDetail.resource}).
   */
  blind(reason: string, detail?: BlindDetail): void;
  /**
   * Says the observer sees again after {@link ObserverContext.blind}: the whole source, or with `resource` the
   * span of that one resource. Idempotent while sighted.
   */
  sighted(detail?: { resource?: string }): void;
  /**
   * `true` while an expectation is waiting on new observations (actions running or expectations pending),
   * so a poller can use its fast interval; `false` when nothing is pending and polling can be cheap.
   */
  urgent(): boolean;
  /** Resolves on the next change of {@link ObserverContext.urgent}, or when the signal aborts. */
  urgencyChanged(): Promise<void>;
  /**
   * What the scenario's expectations asked this observer's source to watch, known before `start` (for
   * example the PromQL queries of the `metrics` expectations, so a `baseline` is sampled before the fault).
   * See {@link AssertionDefinition.interests}.
   */
  readonly interests: readonly Interest[];
}

/** Details of {@link ObserverContext.blind}. Every field is optional. */
export interface BlindDetail {
  cause?: unknown;
  ref?: ObservationRef;
  /**
   * Clock time since which the observer has not seen its source, when that is earlier than now: the time of its
   * last successful fetch or poll. An observer that notices only after a while (no fetch for `maxBlindMs`) passes
   * it so that the blind span starts when the source was last seen, not when the silence was noticed. Clamped to
   * the end of the previous span and to now. @default now
   */
  since?: number;
  /**
   * The observer still sees its source, but not this one part of it (`drift`: an endpoint the scenario does not
   * read answers 500 while the others answer). The span is recorded and reported with its resource, but it does
   * not count against the source's expectations; spans of different resources (and the source-wide one) are
   * independent, and `sighted({ resource })` ends it. Use it only for a part the scenario does not need: when
   * a needed part cannot be seen, the source is blind (no `resource`).
   */
  resource?: string;
}

/**
 * Something an expectation needs an observer to watch, declared from the scenario alone and handed to the
 * observer whose `source` matches before it starts. Plugins that do not know each other meet here: the
 * assertions say "query this", the Prometheus observer runs it.
 */
export interface Interest {
  /** The observer source it is for (`prometheus`). */
  source: string;
  /** What kind of thing to watch, in that observer's terms (`promql`). */
  kind: string;
  /** The thing itself: a query, a topic, a URL. */
  value: string;
}

/**
 * A running observer, returned by {@link ObserverDefinition.start}. The runtime calls, in order:
 * `ready()` once, `barrier(t)` any number of times, `stop()` exactly once (also on every error path).
 */
export interface ObserverSession {
  /**
   * Resolves when the observer is positioned so that nothing that happens from now on can be missed
   * (Kafka: assigned and positioned on every partition; API: first successful poll). Rejects with a
   * {@link TesterError} when it cannot get there; the runtime bounds it with the scenario's deadline.
   */
  ready(): Promise<void>;
  /**
   * Resolves once the observer has recorded everything that happened at the source up to clock time `t` (a log:
   * every record below the high watermarks read at or after `t`; a polled source: a poll that started after `t`).
   * Rejects only with `signal.reason` when the signal aborts; an observer that cannot complete a barrier because it
   * is blind calls `ctx.blind(...)` and keeps trying until the signal aborts (core's README, "`barrier(t)`").
   */
  barrier(t: number, signal: AbortSignal): Promise<void>;
  /** Stops observing and releases every resource. Must not throw for an observer that is already stopped. */
  stop(): Promise<void>;
}

/** An observer a plugin contributes. One session is started per scenario run. */
export interface ObserverDefinition<Config = unknown> {
  /** Source name recorded in observations. Defaults to the key under `observers`. */
  source?: string;
  /** Starts a session. Hooks run in parallel across observers; a throw fails the scenario with `error`. */
  start(ctx: ObserverContext<Config>): ObserverSession | Promise<ObserverSession>;
  /**
   * Lets one session serve every scenario of a process (the CLI's suite; a harness passes
   * `RunOptions.observerPool`), so observing costs the system the same at any concurrency. Declare it only when
   * the session records everything its source shows, whichever scenario runs, and uses nothing of one run but its
   * context's callbacks (its `runId` is then the pool's). Each scenario gets a view from its own start on:
   * - `'state'`: what the observer records describes the current state of items (kind, subject, `data.id`), recorded
   *   when it changes (a poller). A view starts with the latest observation of each item, as a first poll would
   *   record it (finished chaos, executions and reconciliations left out);
   * - `'stream'`: events (a consumer). A view starts once the session's barrier at its join passed.
   * Without it, each scenario starts a session of its own.
   */
  share?: 'state' | 'stream';
}

// ---------------------------------------------------------------------------------------------------------
// Actions

/** A recorded injection that must be undone even if this process dies (see the CLI's `tester cleanup`). */
export interface LedgerHandle {
  /** Strikes the entry off once the rollback succeeded. */
  strike(): Promise<void>;
}

/**
 * Where actions write what they inject *before* relying on it, so that a killed run can be cleaned up.
 * Core's default ledger is in memory; the CLI supplies a file-backed one.
 */
export interface Ledger {
  record(entry: LedgerEntryInput): Promise<LedgerHandle>;
}

/**
 * The ledger a run is given ({@link RunOptions.ledger}): core attributes each entry to the plugin whose action
 * recorded it, so `tester cleanup` can call that plugin's `recover`. Every {@link Ledger} is one.
 */
export interface RunLedger {
  record(entry: LedgerEntryInput & { plugin: string }): Promise<LedgerHandle>;
}

/** What an action writes to the ledger: enough for its plugin's {@link ActionDefinition.recover} to undo it. */
export interface LedgerEntryInput {
  /** The action type (`CHAOS`). */
  action: string;
  /** A short human description: `chaos 3f2a (CONNECTION_LOSS on mysql) at http://127.0.0.1:8080`. */
  description: string;
  /** Plugin-defined data needed to undo it later, without the scenario. Never put secrets here. */
  data: JsonValue;
}

/** A ledger entry as stored, with its origin. */
export interface LedgerEntry extends LedgerEntryInput {
  id: string;
  runId: string;
  plugin: string;
  recordedAt: string;
}

export interface ActionContext<Config = unknown> extends PluginContext<Config> {
  /** The action's `id` (from the YAML, or `actions[i]`). */
  readonly actionId: string;
  readonly ledger: Ledger;
}

/** How the runtime undoes an action. Runs on every exit path: pass, fail, timeout, error, abort, signals. */
export interface Rollback {
  /** Human description for the result (`DELETE chaos 3f2a`). */
  description: string;
  /**
   * Undoes the action and verifies it. Gets a signal that is *not* the scenario's (that one may already be
   * aborted) but a fresh one bounded by the rollback deadline.
   */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * A fault the action injected, as the system under test reports it. The runtime records `fault.started`
 * and `fault.ended` observations from it, and uses `ended` to place the window's end (DESIGN.md).
 */
export interface InjectedFault {
  /** The control plane's id for the fault (the chaos id). */
  id: string;
  system: string;
  /** `CONNECTION_LOSS`, `LATENCY`, ... */
  fault: string;
  /** Clock time at which the fault started (as close to the control plane's report as can be known). */
  startedAt: number;
  /**
   * Resolves with the clock time at which the control plane reports the fault ended (its own end, or the
   * rollback). Rejects if that cannot be known; the scenario is then `error`.
   */
  ended: Promise<number>;
  /** Where the start was seen. */
  ref?: ObservationRef;
}

/** What {@link ActionDefinition.run} may return. */
export interface ActionOutcome {
  rollback?: Rollback;
  faults?: InjectedFault[];
  /** A short human summary for the result (`POST /api/v1/chaos -> 201 id=3f2a`). */
  summary?: string;
}

/** An action type a plugin contributes, keyed by `type` (`CHAOS`, `HTTP`, `KAFKA_PUBLISH`). */
export interface ActionDefinition<Params = unknown, Config = unknown> {
  /**
   * The zod schema of the action's fields, *excluding* the common `type` and `id`. Must be a `z.object`
   * (strict: unknown keys are errors with "did you mean").
   */
  schema: ZodType<Params>;
  /** TSDoc-like one-liner shown in `tester schema` and in "accepted values" lists. */
  description?: string;
  /** The systems this action touches, for scheduling when a scenario does not declare `systems`. */
  systems?(params: Params): string[];
  /**
   * `true` when this action type reports {@link InjectedFault}s (`CHAOS`): expectations that need a fault
   * ({@link AssertionDefinition.needsFault}) are accepted only in scenarios that have such an action.
   */
  injectsFaults?: boolean;
  /** Runs the action. Actions run in order; a throw ends the scenario with `error` (rollbacks still run). */
  run(ctx: ActionContext<Config>, params: Params): Promise<ActionOutcome | void>;
  /**
   * Undoes a ledger entry left behind by a run that died (`tester cleanup`). Must be idempotent: the fault
   * may already have ended on its own.
   */
  recover?(entry: LedgerEntry, ctx: PluginContext<Config>): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Assertions

/** The verdict of one expectation, or of a scenario. */
export type VerdictStatus = 'passed' | 'failed' | 'error';

/**
 * What an evaluator answers. `pending` says what it still waits for; a decided verdict carries a message a
 * person can act on and the observations that decided it.
 */
export type Verdict =
  | {
      status: 'pending';
      /** What it still waits for, for the timeout message: `mysql to reach CONNECTED (now DISCONNECTED)`. */
      waitingFor?: string;
      /**
       * `seq` numbers of observations it will cite once decided (the events counted so far). The runtime keeps
       * them past the timeline's memory cap; without this, a long run could evict them before they are cited.
       */
      evidence?: number[];
      /**
       * Clock time at which to ask again even if nothing is observed (a state that must be *held* for a span
       * decides when the span ends, not when the next observation arrives).
       */
      recheckAt?: number;
    }
  | {
      status: VerdictStatus;
      message: string;
      /** `seq` numbers of the observations that decided it. */
      evidence: number[];
      /**
       * `true` for a pass that still depends on the rest of the window (a final state reached, which must
       * still hold when the window closes). The runtime asks again on every change and when the window closes;
       * only then is it final. A `failed`/`error` verdict is never provisional.
       */
      provisional?: boolean;
      /** With `provisional`: clock time at which to ask again even if nothing is observed. */
      recheckAt?: number;
      /**
       * For `failed`: the failure rests on *not having seen* something ("never reached CONNECTED", "no
       * CONNECTION_LOST"), not on something seen. Core turns such a failure into `error` when a source of the
       * expectation was blind during the window: not seeing is then no evidence. A failure that rests on
       * something seen (a duplicate, an illegal state) stays `failed` when its sources saw at the moment it was
       * decided; one decided while a source was blind may rest on a stale view (the last state a dead source
       * reported) and is `error` too, and so is a failure of a `needsClosedWindow` expectation decided on the
       * closed window when a source was blind during it (a judgement over a window it could not see all of).
       */
      absence?: boolean;
    };

/** The window every expectation is judged in (DESIGN.md "Windows and barriers"). Times are clock times. */
export interface WindowState {
  /** When the scenario's first action started; `undefined` before that. */
  opensAt: number | undefined;
  /**
   * The window's end `T`, once known: the moment the scenario's systems settled (every fault ended, nothing in
   * progress, no relevant observation for `window.settle`), plus `window.after`.
   */
  closesAt: number | undefined;
  /** `true` once every observer's `barrier(T)` resolved: counts and "never" may be decided now. */
  closed: boolean;
  /** When the scenario's systems settled (`closesAt` minus `window.after`), once known. */
  settledAt?: number;
}

/** A fault as the runtime tracks it, for `within`, `time_to_detect` and `time_to_recover`. */
export interface FaultRecord {
  id: string;
  system: string;
  fault: string;
  actionId: string;
  startedAt: number;
  /** `undefined` while the fault is still active. */
  endedAt: number | undefined;
  /**
   * The scenario declared this fault harmless (`harmless: true` on its action): it is not an error that
   * nothing about its system changed.
   */
  harmless?: boolean;
}

/** A span during which an observer could not see. `to` is `undefined` while still blind. */
export interface BlindSpan {
  source: string;
  from: number;
  to: number | undefined;
  reason: string;
  /** Set when only this part of the source could not be seen ({@link BlindDetail.resource}). */
  resource?: string;
}

export interface EvaluationContext {
  readonly timeline: TimelineView;
  readonly window: WindowState;
  readonly faults: readonly FaultRecord[];
  readonly clock: Clock;
  /**
   * Blind spans of `source` (all sources when omitted), for messages. An evaluator need not apply blindness
   * itself: core turns a `passed`, or a failure by {@link Verdict absence}, into `error` when one of the
   * evaluator's `sources` was blind during the window, any failure decided while one of them was blind, and a
   * closed-window failure (decided on the closed window by a `needsClosedWindow` evaluator) when one was blind during it.
   */
  blindSpans(source?: string): readonly BlindSpan[];
}

/**
 * One expectation item being evaluated. Created once per item when the observers are ready (before the
 * preconditions and actions). The runtime calls `observe` for every observation in timeline order (so state
 * is built incrementally, never by rescanning), then `verdict` whenever something changed: a batch of
 * observations, a fault start or end, the window closing. Both are synchronous and must not throw; a throw is
 * reported as `PLUGIN_ERROR` for this expectation (`error`), not as a crash.
 *
 * An evaluator reports what the evidence shows; core alone applies the rules (see core's README, "Writing an
 * assertion"):
 * - `failed` is final at once: answer it as soon as the evidence contradicts the expectation.
 * - `error` is final at once: answer it when the expectation cannot be judged (an unknown system).
 * - `passed` is final at once unless `provisional` or `needsClosedWindow`: then it is confirmed when the
 *   window closes (asked again then).
 * - `pending` waits. At the timeout, core reports a still-pending or still-provisional expectation as
 *   `undecided` (never `failed`: nothing contradicted it), or `error` when one of its sources was blind.
 * - blindness: a `passed`, or a `failed` with `absence`, becomes `error` when one of `sources` was blind
 *   during the window; any `failed` decided while one of `sources` was blind becomes `error` too (a stale view),
 *   and so does a `failed` of a `needsClosedWindow` expectation decided on the closed window when one of
 *   `sources` was blind during it. A span of one resource of a source ({@link BlindDetail.resource}) does not count.
 */
export interface Evaluator {
  /** One line saying what is expected: `mysql reaches CONNECTED and holds it`. */
  readonly description: string;
  /**
   * The observation sources this expectation depends on (`['api']`, `['kafka']`). If one of them was blind
   * during the window, the runtime turns a `passed` into `error`. Empty: depends on none.
   */
  readonly sources: readonly string[];
  /**
   * `true` when this expectation can only be decided once the window is closed (exact counts, "never",
   * "not fired", no duplicates): every `passed` before then is treated as provisional. A `failed` is still final
   * at once.
   */
  readonly needsClosedWindow: boolean;
  observe?(observation: Observation): void;
  verdict(ctx: EvaluationContext): Verdict;
}

/** An `expectations` section a plugin owns (`states`, `policies`, `events`, `metrics`, `timing`). */
export interface AssertionDefinition<Item = unknown, Config = unknown> {
  /**
   * The zod schema of *one item* of the section (the section itself is a list of items; a single mapping is
   * accepted as a list of one).
   */
  schema: ZodType<Item>;
  description?: string;
  /**
   * @deprecated Read by nothing: the sources that count are each evaluator's {@link Evaluator.sources}. Will be
   * removed; stop setting it.
   */
  sources?: readonly string[];
  /** Creates the evaluator for one item. `index` is its position in the section. */
  create(item: Item, ctx: AssertionCreateContext<Config>): Evaluator;
  /**
   * Why this item cannot be judged in a scenario that injects no fault (`time to recover needs a fault`), or
   * `undefined` when it can. The loader refuses such a scenario at validation, with the item's place.
   */
  needsFault?(item: Item): string | undefined;
  /**
   * What one item needs an observer to watch (`{ source: 'prometheus', kind: 'promql', value: query }`).
   * Called once per item before the observers start; each observer gets the interests for its source in
   * {@link ObserverContext.interests}. Synchronous; a throw is reported as `PLUGIN_ERROR`.
   */
  interests?(item: Item): Interest[];
}

export interface AssertionCreateContext<Config = unknown> extends PluginContext<Config> {
  /** The section key (`events`). */
  readonly section: string;
  readonly index: number;
}

// ---------------------------------------------------------------------------------------------------------
// The plugin

/**
 * A tester plugin. Hooks of different plugins run as their part of the lifecycle says: observers start, become
 * ready, pass barriers and stop in parallel (across plugins too); actions run one at a time in scenario order, and
 * stop at the first that fails; rollbacks run one at a time, last registered first, every one whatever the others
 * did; evaluators are called in expectation order. Every call into plugin code goes through the runtime's one hook
 * driver, which bounds it, catches, attributes (`plugin`, `hook`) and reports a throw as `PLUGIN_ERROR`, so a broken
 * plugin fails its scenario instead of crashing the run.
 */
export interface TesterPlugin<Config = unknown> {
  /** npm-style name (`@tester/observer-kafka`, `tester-plugin-sql`). Shown in every error from its hooks. */
  name: string;
  /** The plugin-API version this plugin targets: {@link PLUGIN_API_VERSION}. */
  apiVersion: number;
  /** Zod schema of this plugin's block of the config file. Its output is `ctx.config`. */
  config?: ZodType<Config>;
  /** Parsed config for this instance (what a factory such as `kafkaPlugin(options)` was given, parsed). */
  options?: Config;
  observers?: Record<string, ObserverDefinition<Config>>;
  // The contract erases each action's/assertion's own item type at the plugin boundary: the runtime parses
  // the YAML with the definition's own schema before calling it, so the pairing is checked at run time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  actions?: Record<string, ActionDefinition<any, Config>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assertions?: Record<string, AssertionDefinition<any, Config>>;
}

/**
 * A plugin as written inside {@link definePlugin}: like {@link TesterPlugin}, but each action's `params` and each
 * section's `item` are typed from that key's own `schema` (in `run`, `systems`, `create`, `needsFault` and
 * `interests`), one type per key.
 */
export interface PluginDefinition<Config, Params extends Record<string, unknown>, Items extends Record<string, unknown>>
  extends Omit<TesterPlugin<Config>, 'actions' | 'assertions'> {
  actions?: { [Type in keyof Params]: ActionDefinition<Params[Type], Config> };
  assertions?: { [Section in keyof Items]: AssertionDefinition<Items[Section], Config> };
}

/**
 * Declares a plugin. An identity function that exists for types (like Vitest's `defineConfig`), so a plugin
 * written in plain JavaScript still gets completion and checking. The config type comes from `config` (its output)
 * or `options`; each action's params and each section's item from its own `schema`.
 *
 * Let TypeScript infer the type arguments: `definePlugin<MyConfig>({...})` names the config but, as TypeScript
 * infers all type arguments or none, leaves params and items untyped (`any`). Type `options` instead.
 */
export function definePlugin<
  Config = unknown,
  // The defaults keep `definePlugin<Config>({...})` compiling as before: every key accepted, params untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Params extends Record<string, unknown> = Record<string, any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Items extends Record<string, unknown> = Record<string, any>,
>(plugin: PluginDefinition<Config, Params, Items>): TesterPlugin<Config> {
  return plugin as TesterPlugin<Config>;
}

/**
 * Declares one action type with its parameter type inferred from its schema, so `run(ctx, params)` is typed.
 * An identity function, for an action defined apart from its plugin (in its own file); inside `definePlugin({...})`
 * the params are typed already.
 */
export function defineAction<Params, Config = unknown>(action: ActionDefinition<Params, Config>): ActionDefinition<Params, Config> {
  return action;
}

/**
 * Declares one expectation section with its item type inferred from its schema, so `create(item, ctx)` is typed.
 * An identity function, for a section defined apart from its plugin; inside `definePlugin({...})` the items are
 * typed already.
 */
export function defineAssertion<Item, Config = unknown>(assertion: AssertionDefinition<Item, Config>): AssertionDefinition<Item, Config> {
  return assertion;
}
