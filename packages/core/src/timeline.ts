/**
 * The run's timeline: every observation in order, indexed by source, kind and subject, with synchronous
 * subscriptions so that evaluators react to new observations instead of polling. Memory is bounded by a cap on
 * retained observations; observations pinned as evidence are never evicted.
 */
import type { Observation, ObservationInput } from './observation';
import type { ObservationQuery, TimelineView } from './timeline-types';

/** Options of {@link createTimeline}. */
export interface TimelineOptions {
  /**
   * How many observations to retain. Past it, the oldest observations not pinned (see {@link Timeline.pin})
   * are evicted; `size` still counts them and `dropped` says how many. @default 100000
   */
  cap?: number;
}

/** What the runtime appends to the timeline: an input plus who saw it and when. */
export type AppendInput<D = unknown> = ObservationInput<D> & { source: string; receivedAt: number };

/** The full timeline: the read side plus appending, pinning and eviction accounting. */
export interface Timeline extends TimelineView {
  /** Appends an observation, assigns its `seq`, notifies subscribers (in order) and returns it. */
  append<D>(input: AppendInput<D>): Observation<D>;
  /** Protects an observation from eviction (it is evidence). */
  pin(seq: number): void;
  /** How many observations the cap evicted. */
  readonly dropped: number;
}

interface Subscription {
  listener: (observation: Observation) => void;
  matches: (observation: Observation) => boolean;
}

const asList = (value: string | readonly string[] | undefined): readonly string[] | undefined =>
  value === undefined ? undefined : typeof value === 'string' ? [value] : value;

/** `true` when `observation` matches every field of `query`. */
export function matchesQuery(observation: Observation, query: ObservationQuery | undefined): boolean {
  return compileQuery(query)(observation);
}

/** `query` as a predicate, its lists resolved once (a query scans many observations). */
function compileQuery(query: ObservationQuery | undefined): (observation: Observation) => boolean {
  if (!query) return () => true;
  const sources = asList(query.source);
  const kinds = asList(query.kind);
  const { subject, since, until } = query;
  return (o) =>
    (!sources || sources.includes(o.source)) &&
    (!kinds || kinds.includes(o.kind)) &&
    (subject === undefined || o.subject === subject) &&
    (since === undefined || o.receivedAt >= since) &&
    (until === undefined || o.receivedAt <= until);
}

/** Creates an empty timeline. */
export function createTimeline(options: TimelineOptions = {}): Timeline {
  const cap = Math.max(1, options.cap ?? 100_000);
  const retained = new Map<number, Observation>(); // insertion order == seq order
  const index = new Map<string, number[]>();
  const pinned = new Set<number>();
  let subscriptions: Subscription[] = [];
  let size = 0;
  let dropped = 0;

  // Kind + subject is what evaluators ask most ("system.state of mysql"), so it has an exact index of its own.
  const indexKeys = (o: Observation) =>
    o.subject === undefined ? [`s:${o.source}`, `k:${o.kind}`] : [`s:${o.source}`, `k:${o.kind}`, `j:${o.subject}`, `kj:${o.kind}\u0000${o.subject}`];

  /** The seqs to scan for `query`: the smallest matching index list (sorted), or `undefined` for all. */
  function candidateSeqs(query: ObservationQuery | undefined): readonly number[] | undefined {
    const lists: (readonly number[])[] = [];
    const keyed = (prefix: string, values: readonly string[] | undefined) => {
      if (!values) return;
      // One value (the common case): the index list itself, never a copy — queries run on every evaluation.
      if (values.length === 1) {
        lists.push(index.get(`${prefix}${values[0]}`) ?? []);
        return;
      }
      lists.push(values.flatMap((v) => index.get(`${prefix}${v}`) ?? []).sort((a, b) => a - b));
    };
    const kinds = asList(query?.kind);
    if (kinds?.length === 1 && query?.subject !== undefined) return index.get(`kj:${kinds[0]}\u0000${query.subject}`) ?? [];
    keyed('s:', asList(query?.source));
    keyed('k:', kinds);
    if (query?.subject !== undefined) keyed('j:', [query.subject]);
    if (lists.length === 0) return undefined;
    return lists.reduce((a, b) => (b.length < a.length ? b : a));
  }

  let evictedSinceCompaction = 0;
  /**
   * The oldest seq eviction has not passed yet. Seqs are consecutive and an evicted or pinned one is never
   * considered again, so each append evicts in O(1): walking the Map from its start would step over every pinned
   * entry (and, in V8, every deleted slot) on each append, O(cap) at the limit.
   */
  let evictFrom = 1;

  function evict(): void {
    while (retained.size > cap && evictFrom <= size) {
      const seq = evictFrom++;
      if (pinned.has(seq) || !retained.delete(seq)) continue;
      dropped++;
      evictedSinceCompaction++;
    }
    // Drop evicted seqs from the index lists now and then (amortised), so index memory follows the cap too.
    if (evictedSinceCompaction >= Math.max(1024, retained.size)) {
      evictedSinceCompaction = 0;
      for (const [key, list] of index) {
        const live = list.filter((seq) => retained.has(seq));
        if (live.length) index.set(key, live);
        else index.delete(key);
      }
    }
  }

  const timeline: Timeline = {
    get size() {
      return size;
    },
    get dropped() {
      return dropped;
    },
    append<D>(input: AppendInput<D>): Observation<D> {
      const observation: Observation<D> = { seq: ++size, ...input };
      retained.set(observation.seq, observation as Observation);
      for (const key of indexKeys(observation as Observation)) {
        const list = index.get(key);
        if (list) list.push(observation.seq);
        else index.set(key, [observation.seq]);
      }
      for (const subscription of subscriptions) {
        if (subscription.matches(observation as Observation)) subscription.listener(observation as Observation);
      }
      evict();
      return observation;
    },
    pin(seq) {
      pinned.add(seq);
    },
    get(seq) {
      return retained.get(seq);
    },
    query(query) {
      const out: Observation[] = [];
      const matches = compileQuery(query);
      const seqs = candidateSeqs(query);
      if (!seqs) {
        for (const o of retained.values()) if (matches(o)) out.push(o);
        return out;
      }
      for (const seq of seqs) {
        const o = retained.get(seq);
        if (o && matches(o)) out.push(o);
      }
      return out;
    },
    latest(query) {
      // Scan backwards: the latest match is usually among the last few observations.
      const matches = compileQuery(query);
      const seqs = candidateSeqs(query) ?? [...retained.keys()];
      for (let i = seqs.length - 1; i >= 0; i--) {
        const o = retained.get(seqs[i]!);
        if (o && matches(o)) return o;
      }
      return undefined;
    },
    subscribe(listener, query) {
      const subscription: Subscription = { listener, matches: compileQuery(query) };
      subscriptions = [...subscriptions, subscription];
      return () => {
        subscriptions = subscriptions.filter((s) => s !== subscription);
      };
    },
    waitFor(predicate, { query, signal }) {
      return new Promise<Observation>((resolve, reject) => {
        const existing = timeline.query(query).find(predicate);
        if (existing) return resolve(existing);
        if (signal.aborted) return reject(signal.reason);
        const onAbort = () => {
          unsubscribe();
          reject(signal.reason);
        };
        const unsubscribe = timeline.subscribe((o) => {
          if (!predicate(o)) return;
          unsubscribe();
          signal.removeEventListener('abort', onAbort);
          resolve(o);
        }, query);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
  return timeline;
}
