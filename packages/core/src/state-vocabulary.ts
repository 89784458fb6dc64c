/**
 * State vocabularies: what a system's states *mean*. tester never needs to know a system's state names to read
 * them (a `final_state: RUNNING` is compared as written), but three things need to know what a state is:
 * time to recover (it ends on a *healthy* state), settling (a system in a *transitional* state is still in
 * progress) and messages (`ended FAILED: FAILED is a failed state`).
 *
 * The vocabulary travels with the observations: an observer tags its `system.state` data with the system's
 * `kind` (a preset of {@link STATE_VOCABULARIES}) or carries its own `vocabulary`. Core's runtime (settling, the
 * report's timings) and every assertion read the same observations, so they cannot disagree on what a state
 * means. Untagged systems use {@link DEFAULT_STATE_VOCABULARY}, the reference control plane's.
 */
import { ObservationKinds, EventTypes, type EventData, type Observation, type SystemStateData } from './observation';

/**
 * What a state says about a system:
 * - `healthy`: works as it should; time to recover ends on the first of the healthy states the system ends in.
 * - `degraded`: up but impaired (slow answers), and it may stay so: not healthy, but at rest (settling does not
 *   wait for it to end).
 * - `transitional`: on its way somewhere (recovering, restarting, being assigned): still in progress, so the
 *   window does not close on it.
 * - `paused`: stopped on purpose: not healthy, not failed, at rest.
 * - `failed`: down.
 */
export type StateClass = 'healthy' | 'degraded' | 'transitional' | 'paused' | 'failed';

/** The classes in the order a state is looked up in (a state listed twice takes the first). */
export const STATE_CLASSES: readonly StateClass[] = ['healthy', 'degraded', 'transitional', 'paused', 'failed'];

/**
 * The states of one kind of system, by {@link StateClass}. A state in no list is *unclassified*: not healthy,
 * not in progress. State names are compared exactly (case-sensitive), as the source reports them.
 */
export interface StateVocabulary {
  /** At least one: time to recover needs a state to recover to. */
  healthy: readonly string[];
  degraded?: readonly string[];
  transitional?: readonly string[];
  paused?: readonly string[];
  failed?: readonly string[];
}

/** The system kind of systems whose observations name none: the reference control plane. */
export const DEFAULT_SYSTEM_KIND = 'control-plane';

/**
 * The reference control plane's states (examples/control-plane: `CONNECTED` ⇄ `DEGRADED`;
 * `CONNECTED`/`DEGRADED` → `DISCONNECTED` → `RECOVERING` → `CONNECTED`). `DEGRADED` is *degraded*, not
 * transitional: slow answers can last indefinitely, and a system that ends `DEGRADED` has settled (wrongly).
 */
export const DEFAULT_STATE_VOCABULARY: StateVocabulary = Object.freeze({
  healthy: Object.freeze(['CONNECTED']),
  degraded: Object.freeze(['DEGRADED']),
  transitional: Object.freeze(['RECOVERING']),
  failed: Object.freeze(['DISCONNECTED']),
});

/**
 * Kafka Connect's connector and task states (`GET /connectors/{name}/status`). `UNASSIGNED` (not yet given to a
 * worker) and `RESTARTING` are transitional; `STOPPED` (Kafka 3.5+) is paused like `PAUSED`.
 */
export const KAFKA_CONNECT_STATE_VOCABULARY: StateVocabulary = Object.freeze({
  healthy: Object.freeze(['RUNNING']),
  transitional: Object.freeze(['UNASSIGNED', 'RESTARTING']),
  paused: Object.freeze(['PAUSED', 'STOPPED']),
  failed: Object.freeze(['FAILED']),
});

/**
 * The built-in vocabularies by system kind. An observer selects one by tagging its `system.state` data with
 * `kind: 'kafka-connect'`; a kind not listed here needs the observer to carry its `vocabulary`.
 */
export const STATE_VOCABULARIES: Readonly<Record<string, StateVocabulary>> = Object.freeze({
  [DEFAULT_SYSTEM_KIND]: DEFAULT_STATE_VOCABULARY,
  'kafka-connect': KAFKA_CONNECT_STATE_VOCABULARY,
});

/** The built-in vocabulary of a system kind, or `undefined` for a kind tester does not know. */
export function stateVocabulary(kind: string): StateVocabulary | undefined {
  return Object.hasOwn(STATE_VOCABULARIES, kind) ? STATE_VOCABULARIES[kind] : undefined;
}

/** The class of `state` in `vocabulary`, or `undefined` when the vocabulary does not list it. */
export function classifyState(state: string, vocabulary: StateVocabulary = DEFAULT_STATE_VOCABULARY): StateClass | undefined {
  return STATE_CLASSES.find((c) => vocabulary[c]?.includes(state));
}

/** Whether `value` has the shape of a {@link StateVocabulary} (observers are plugin code: their data is checked). */
export function isStateVocabulary(value: unknown): value is StateVocabulary {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const list = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  return list(v.healthy) && (v.healthy as unknown[]).length > 0 && STATE_CLASSES.every((c) => v[c] === undefined || list(v[c]));
}

/** One reading of a system's state, from a `system.state` observation or a `STATE_CHANGED` event. */
export interface StateReading {
  system: string;
  state: string;
  /** The state before, when the source says (`STATE_CHANGED`'s `from`, a `system.state`'s `previous`). */
  from?: string;
  /** `true` for a `STATE_CHANGED` event: a transition from an event stream, not a sampled state. */
  event: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The state an observation shows, from any source: a `system.state` (`data.system`, else `subject`), or an
 * `event` of type `STATE_CHANGED` whose `system` is set and whose payload has `to` (and optionally `from`).
 */
export function readState(o: Observation): StateReading | undefined {
  if (o.kind === ObservationKinds.systemState) {
    const d = o.data as Partial<SystemStateData> | undefined;
    const system = str(d?.system) ?? str(o.subject);
    const state = str(d?.state);
    if (!system || !state) return undefined;
    const from = str(d?.previous);
    return from ? { system, state, from, event: false } : { system, state, event: false };
  }
  if (o.kind === ObservationKinds.event) {
    const e = o.data as Partial<EventData> | undefined;
    if (e?.type !== EventTypes.stateChanged) return undefined;
    const system = str(e.system);
    const payload = (e.payload ?? {}) as { from?: unknown; to?: unknown };
    const state = str(payload.to);
    if (!system || !state) return undefined;
    const from = str(payload.from);
    return from ? { system, state, from, event: true } : { system, state, event: true };
  }
  return undefined;
}

/** A system's kind and the vocabulary its states are read with. */
export interface SystemVocabulary {
  /** The kind its observer tagged it with (`custom` for an own vocabulary without one), else {@link DEFAULT_SYSTEM_KIND}. */
  kind: string;
  vocabulary: StateVocabulary;
}

/**
 * Which vocabulary applies to which system, learnt from the observations: the latest `system.state` of a system
 * that carries `kind` or `vocabulary` (from any source) sets it; untagged observations leave it as it is. A `kind`
 * tester does not know, without a `vocabulary`, is read with the default vocabulary. Its
 * STATE_CHANGED events are read with the same vocabulary. Fed every observation in timeline order; settling, the
 * report's timings and the assertions each keep one, so they all classify a state alike.
 */
export class SystemVocabularies {
  private readonly bySystem = new Map<string, SystemVocabulary>();

  observe(o: Observation): void {
    if (o.kind !== ObservationKinds.systemState) return;
    const d = o.data as Partial<SystemStateData> | undefined;
    const system = str(d?.system) ?? str(o.subject);
    if (!system || !d) return;
    const kind = str(d.kind);
    const own = isStateVocabulary(d.vocabulary) ? d.vocabulary : undefined;
    if (own) this.bySystem.set(system, { kind: kind ?? 'custom', vocabulary: own });
    else if (kind) this.bySystem.set(system, { kind, vocabulary: stateVocabulary(kind) ?? DEFAULT_STATE_VOCABULARY });
  }

  /** The system's kind and vocabulary (the default until an observation says otherwise). */
  of(system: string): SystemVocabulary {
    return this.bySystem.get(system) ?? { kind: DEFAULT_SYSTEM_KIND, vocabulary: DEFAULT_STATE_VOCABULARY };
  }

  /** The class of `state` for `system`, or `undefined` when its vocabulary does not list it. */
  classify(system: string, state: string): StateClass | undefined {
    return classifyState(state, this.of(system).vocabulary);
  }
}
