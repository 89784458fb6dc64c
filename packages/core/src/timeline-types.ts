import type { Observation } from './observation';

/** A filter over observations. All given fields must match. */
export interface ObservationQuery {
  source?: string | readonly string[];
  kind?: string | readonly string[];
  subject?: string;
  /** Only observations with `receivedAt >= since`. */
  since?: number;
  /** Only observations with `receivedAt <= until`. */
  until?: number;
}

/**
 * The read side of a run's timeline: ordered by `seq`, indexed by kind and by kind + subject (a query by source
 * alone scans the window; one by subject alone merges that subject's kinds: name a kind where you can), with
 * subscriptions so that consumers react to new observations instead of polling.
 */
export interface TimelineView {
  /** Number of observations appended so far (including any evicted by the memory cap). */
  readonly size: number;
  /** The observation with this `seq`, if it is still retained. */
  get(seq: number): Observation | undefined;
  /** Retained observations matching `query`, in `seq` order. */
  query(query?: ObservationQuery): Observation[];
  /** The latest retained observation matching `query`. */
  latest(query?: ObservationQuery): Observation | undefined;
  /**
   * Calls `listener` for every observation appended from now on that matches `query`, synchronously and in
   * order. Returns the unsubscribe function.
   */
  subscribe(listener: (observation: Observation) => void, query?: ObservationQuery): () => void;
  /**
   * Resolves with the first observation (already present or appended later) matching `predicate`, or rejects
   * with the signal's reason. The event-driven replacement for "sleep and check".
   */
  waitFor(
    predicate: (observation: Observation) => boolean,
    options: { query?: ObservationQuery; signal: AbortSignal },
  ): Promise<Observation>;
}
