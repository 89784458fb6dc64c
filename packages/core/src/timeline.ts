/**
 * The run's timeline: every observation in order, indexed by kind and by kind and subject, with synchronous
 * subscriptions so that evaluators react to new observations instead of polling. Memory is bounded by a cap on
 * retained observations; observations pinned as evidence are never evicted. An observation recorded with a packed form
 * is retained as its bytes once subscribers have seen it, and rebuilt (a new, equal object) each time it is read: a
 * reader that scans many of them pays their decoding, so queries name a kind where they can.
 */
import type { Observation, ObservationCodec, ObservationInput, PackedObservation } from './observation';
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
  /**
   * `append({ ...input, source, receivedAt })` without the intermediate object: what an observer's `ctx.record`
   * does. `source` and `receivedAt` are the runtime's, whatever the input says. The observation is built field by
   * field; on Node 20 an object spread followed by more properties (`{ ...input, source }`) makes a new hidden
   * class per object, slow to make and to read, and a burden on the garbage collector at Kafka rates.
   */
  record<D>(input: ObservationInput<D>, source: string, receivedAt: number): Observation<D>;
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
  const test = compileFieldTest(query);
  return (o) => test(o.source, o.kind, o.subject, o.receivedAt);
}

/** A query's test of the fields it reads, which a packed observation has without being rebuilt. */
type FieldTest = (source: string, kind: string, subject: string | undefined, receivedAt: number) => boolean;

const anything: FieldTest = () => true;

function compileFieldTest(query: ObservationQuery | undefined): FieldTest {
  if (!query) return anything;
  const sources = asList(query.source);
  const kinds = asList(query.kind);
  const { subject, since, until } = query;
  return (source, kind, s, receivedAt) =>
    (!sources || sources.includes(source)) &&
    (!kinds || kinds.includes(kind)) &&
    (subject === undefined || s === subject) &&
    (since === undefined || receivedAt >= since) &&
    (until === undefined || receivedAt <= until);
}

/**
 * The seqs of the retained observations under one index key, oldest first: `kept` (pinned ones older than the
 * window), then `seqs[from..length)` (those in the window). Eviction takes from the front of `seqs`, so a list never
 * holds an evicted seq and its memory follows the cap. `seqs` is a typed array: its memory is outside the JavaScript
 * heap, where a list the size of the window costs its size and not the garbage collector's headroom on top.
 */
interface Postings {
  kept: number[];
  seqs: Float64Array;
  from: number;
  length: number;
  /** The index this list is in, under `key`: a list left empty is removed from it. */
  owner: Map<string, Postings>;
  key: string;
}

const NO_SEQS: readonly number[] = [];

/** A copy of the list's seqs, in order. */
const seqsOf = (p: Postings): number[] => [...p.kept, ...p.seqs.subarray(p.from, p.length)];

function post(index: Map<string, Postings>, key: string, seq: number): void {
  let postings = index.get(key);
  if (!postings) index.set(key, (postings = { kept: [], seqs: new Float64Array(8), from: 0, length: 0, owner: index, key }));
  if (postings.length === postings.seqs.length) {
    const { seqs, from, length } = postings;
    // Full: the evicted front goes first when it is an eighth of the list (a block copy), else the list doubles.
    if (from * 8 >= length) {
      seqs.copyWithin(0, from, length);
    } else {
      postings.seqs = new Float64Array(length * 2);
      postings.seqs.set(seqs.subarray(from, length));
    }
    postings.length = length - from;
    postings.from = 0;
  }
  postings.seqs[postings.length++] = seq;
}

/** Takes the oldest seq of the window part (the one being evicted); keeps it when it is pinned evidence. */
function unpost(postings: Postings, seq: number, keep: boolean): void {
  postings.from++;
  if (keep) postings.kept.push(seq);
  if (postings.from === postings.length) {
    postings.length = 0;
    postings.from = 0;
    if (postings.kept.length === 0) postings.owner.delete(postings.key);
    else if (postings.seqs.length > 8) postings.seqs = new Float64Array(8);
  }
}

/**
 * The observation for an observer's `input` seen by `source` at `receivedAt`, `seq` first: built field by field,
 * a fixed shape, unless the input carries fields the contract does not name, which are kept as they are. Its packed
 * form is never part of it.
 */
function observationFrom<D>(seq: number, input: ObservationInput<D>, source: string, receivedAt: number): Observation<D> {
  // The input's shape is the observer's own literal, so these reads stay monomorphic; counting its fields (not
  // `Object.keys`, which allocates) tells an input with extra fields, which keeps them the slow way.
  let fields = 0;
  for (const _ in input) fields++;
  const { kind, subject, sourceTime, data, ref, packed } = input;
  if (fields !== 3 + (subject === undefined ? 0 : 1) + (sourceTime === undefined ? 0 : 1) + (packed === undefined ? 0 : 1) || !('data' in input)) {
    return withoutPacked({ seq, ...input, source, receivedAt });
  }
  if (subject === undefined) {
    return sourceTime === undefined ? { seq, source, kind, receivedAt, data, ref } : { seq, source, kind, receivedAt, sourceTime, data, ref };
  }
  return sourceTime === undefined ? { seq, source, kind, subject, receivedAt, data, ref } : { seq, source, kind, subject, receivedAt, sourceTime, data, ref };
}

function withoutPacked<D>(observation: Observation<D> & { packed?: unknown }): Observation<D> {
  if ('packed' in observation) delete observation.packed;
  return observation;
}

/**
 * A packed observation's place in the window: what it is, without its data and ref, which are bytes in the arena.
 * Consecutive observations alike (the events of one stream) share one.
 */
class Packed {
  constructor(
    readonly source: string,
    readonly kind: string,
    readonly subject: string | undefined,
    readonly codec: ObservationCodec,
  ) {}
}

/** A block of the arena: packed observations' bytes, released once every observation in it is evicted. */
interface Chunk {
  number: number;
  bytes: Buffer;
  used: number;
  /** The last seq written into it. */
  lastSeq: number;
}

/** Arena blocks are this large, or as large as one observation that does not fit. */
const CHUNK_BYTES = 256 * 1024;
/** How many blocks let go are kept for use again: the arena's churn between two appends is one or two blocks. */
const MAX_SPARE_CHUNKS = 4;

/** Creates an empty timeline. */
export function createTimeline(options: TimelineOptions = {}): Timeline {
  const cap = Math.max(1, options.cap ?? 100_000);
  let subscriptions: Subscription[] = [];
  let size = 0;
  let dropped = 0;

  // The window: every observation from seq `first` to `size`, in a ring indexed by seq (a power of two long, grown
  // as needed). Eviction only ever takes the oldest, so each append costs O(1) and memory follows the cap.
  let first = 1;
  let ring: (Observation | Packed | undefined)[] = new Array<Observation | Packed | undefined>(64);
  let mask = 63;
  // A packed observation (see ObservationInput.packed) is kept as its bytes in the arena, off the JavaScript heap,
  // and rebuilt when asked for: a retained observation's objects cost several times their size in RSS, through the
  // headroom the garbage collector gives a heap, where its bytes cost their size. By slot: when it was received, and
  // where its bytes are.
  let ringReceivedAt = new Float64Array(64);
  let ringChunk = new Float64Array(64);
  let ringAt = new Int32Array(64);
  let ringLength = new Int32Array(64);
  /** The arena's blocks, oldest first. */
  const chunks: Chunk[] = [];
  /** Blocks every observation of which was evicted, for the next ones. */
  const spares: Buffer[] = [];
  let nextChunk = 0;
  let lastPacked: Packed | undefined;
  /** Pinned observations older than the window, in seq order. */
  const kept = new Map<number, Observation>();
  /** Pinned seqs not yet out of the window (or not yet appended). */
  const pinned = new Set<number>();

  // Two indexes, by kind and by kind + subject (what evaluators ask most: "system.state of mysql"). A subject alone
  // is found under the kinds that have it; a source alone is a scan of the window. An index by either would cost
  // every retained observation one more list entry and its share of the garbage collector's headroom, for queries
  // the built-in evaluators do not make.
  const byKind = new Map<string, Postings>();
  const byKindSubject = new Map<string, Map<string, Postings>>();

  function grow(): void {
    const length = ring.length * 2;
    const move = <T>(from: (T | undefined)[]): (T | undefined)[] => {
      const to = new Array<T | undefined>(length);
      for (let seq = first; seq <= size; seq++) to[seq & (length - 1)] = from[seq & mask];
      return to;
    };
    const moveTyped = <A extends Float64Array | Int32Array>(from: A, to: A): A => {
      for (let seq = first; seq <= size; seq++) to[seq & (length - 1)] = from[seq & mask]!;
      return to;
    };
    ring = move(ring);
    ringReceivedAt = moveTyped(ringReceivedAt, new Float64Array(length));
    ringChunk = moveTyped(ringChunk, new Float64Array(length));
    ringAt = moveTyped(ringAt, new Int32Array(length));
    ringLength = moveTyped(ringLength, new Int32Array(length));
    mask = length - 1;
  }

  /** The observation packed at `slot`, rebuilt from its bytes. */
  function unpack(seq: number, slot: number, packed: Packed): Observation {
    const chunk = chunks[ringChunk[slot]! - chunks[0]!.number]!;
    const at = ringAt[slot]!;
    const input = packed.codec.read(chunk.bytes.subarray(at, at + ringLength[slot]!));
    return observationFrom(seq, input, packed.source, ringReceivedAt[slot]!);
  }

  /**
   * Puts the observation at `slot` in the arena in place of its objects. A codec that fails (an observer's bug) leaves
   * the observation as it is: kept as objects, as if it had come without a packed form.
   */
  function pack(seq: number, slot: number, observation: Observation, { codec, from }: PackedObservation): void {
    let chunk = chunks.at(-1);
    let length: number;
    try {
      length = codec.size(from);
      if (!chunk || chunk.used + length > chunk.bytes.length) {
        const spare = length <= CHUNK_BYTES ? spares.pop() : undefined;
        chunk = { number: nextChunk++, bytes: spare ?? Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, length)), used: 0, lastSeq: seq };
        chunks.push(chunk);
      }
      codec.write(from, chunk.bytes, chunk.used);
    } catch {
      return;
    }
    ringChunk[slot] = chunk.number;
    ringAt[slot] = chunk.used;
    ringLength[slot] = length;
    ringReceivedAt[slot] = observation.receivedAt;
    chunk.used += length;
    chunk.lastSeq = seq;
    const { source, kind, subject } = observation;
    const last = lastPacked;
    ring[slot] =
      last !== undefined && last.codec === codec && last.source === source && last.kind === kind && last.subject === subject
        ? last
        : (lastPacked = new Packed(source, kind, subject, codec));
  }

  /** The observation at `seq` in the window, rebuilt when packed, if `test` accepts it (by what it is and when). */
  function entry(seq: number, test: FieldTest): Observation | undefined {
    const slot = seq & mask;
    const at = ring[slot]!;
    if (at instanceof Packed) return test(at.source, at.kind, at.subject, ringReceivedAt[slot]!) ? unpack(seq, slot, at) : undefined;
    return test(at.source, at.kind, at.subject, at.receivedAt) ? at : undefined;
  }

  const windowed = (seq: number) => (seq >= first && seq <= size ? entry(seq, anything) : undefined);
  const retainedAt = (seq: number) => windowed(seq) ?? kept.get(seq);

  function evict(): void {
    while (kept.size + (size - first + 1) > cap && first <= size) {
      const seq = first++;
      const slot = seq & mask;
      const at = ring[slot]!;
      const keep = pinned.delete(seq);
      if (keep) kept.set(seq, at instanceof Packed ? unpack(seq, slot, at) : at);
      else dropped++;
      // The lists are looked up rather than remembered per slot: two slots more per retained observation cost
      // more memory (and, through the garbage collector's headroom, several times more RSS) than two lookups.
      const { kind, subject } = at;
      unpost(byKind.get(kind)!, seq, keep);
      if (subject !== undefined) unpost(byKindSubject.get(kind)!.get(subject)!, seq, keep);
      ring[slot] = undefined;
    }
    while (chunks.length > 0 && chunks[0]!.lastSeq < first) {
      const { bytes } = chunks.shift()!;
      // Blocks are used again: a block let go is only freed when the garbage collector next collects the old
      // generation, and until then the arena would grow by every block it let go.
      if (bytes.length === CHUNK_BYTES && spares.length < MAX_SPARE_CHUNKS) spares.push(bytes);
    }
  }

  /**
   * The index list to scan for `query`, or `undefined` for all. One list (the common case) is the index list itself,
   * never a copy; several (`kind: [a, b]`, or a subject under several kinds) are merged into a new one.
   */
  function candidates(query: ObservationQuery | undefined): Postings | readonly number[] | undefined {
    if (!query) return undefined;
    const kinds = asList(query.kind);
    const { subject } = query;
    const lists: Postings[] = [];
    if (subject !== undefined) {
      if (kinds?.length === 1) return byKindSubject.get(kinds[0]!)?.get(subject) ?? NO_SEQS;
      for (const [kind, bySubject] of byKindSubject) {
        const list = !kinds || kinds.includes(kind) ? bySubject.get(subject) : undefined;
        if (list) lists.push(list);
      }
    } else if (kinds) {
      for (const kind of new Set(kinds)) {
        const list = byKind.get(kind);
        if (list) lists.push(list);
      }
    } else {
      return undefined;
    }
    if (lists.length === 0) return NO_SEQS;
    return lists.length === 1 ? lists[0] : lists.flatMap(seqsOf).sort((a, b) => a - b);
  }

  /**
   * Puts the observation with the next seq in the window and its index lists, tells subscribers, packs it when it
   * comes with a packed form (and no subscriber pinned it), evicts.
   */
  function store<D>(seq: number, observation: Observation<D>, packed?: PackedObservation): Observation<D> {
    if (seq - first >= ring.length) grow();
    size = seq;
    ring[seq & mask] = observation as Observation;
    post(byKind, observation.kind, seq);
    const { subject } = observation;
    if (subject !== undefined) {
      let inner = byKindSubject.get(observation.kind);
      if (!inner) byKindSubject.set(observation.kind, (inner = new Map()));
      post(inner, subject, seq);
    }
    for (const subscription of subscriptions) {
      if (subscription.matches(observation as Observation)) subscription.listener(observation as Observation);
    }
    // Subscribers may have recorded more (the ring may have grown) or pinned this one (evidence stays an object).
    if (packed !== undefined && ring[seq & mask] === observation && !pinned.has(seq)) pack(seq, seq & mask, observation as Observation, packed);
    evict();
    return observation;
  }

  const timeline: Timeline = {
    get size() {
      return size;
    },
    get dropped() {
      return dropped;
    },
    append<D>(input: AppendInput<D>): Observation<D> {
      return store(size + 1, withoutPacked({ seq: size + 1, ...input }), input.packed);
    },
    record<D>(input: ObservationInput<D>, source: string, receivedAt: number): Observation<D> {
      return store(size + 1, observationFrom(size + 1, input, source, receivedAt), input.packed);
    },
    pin(seq) {
      // One already evicted is gone, one already kept stays kept. Evidence is an object from here on: rebuilt once.
      if (seq < first) return;
      pinned.add(seq);
      const at = seq <= size ? ring[seq & mask] : undefined;
      if (at instanceof Packed) ring[seq & mask] = unpack(seq, seq & mask, at);
    },
    get(seq) {
      return retainedAt(seq);
    },
    query(query) {
      const out: Observation[] = [];
      const test = compileFieldTest(query);
      const matches = (o: Observation) => test(o.source, o.kind, o.subject, o.receivedAt);
      const list = candidates(query);
      if (!list) {
        for (const o of kept.values()) if (matches(o)) out.push(o);
        for (let seq = first; seq <= size; seq++) {
          const o = entry(seq, test);
          if (o) out.push(o);
        }
      } else if (Array.isArray(list)) {
        for (const seq of list as readonly number[]) {
          const o = retainedAt(seq);
          if (o && matches(o)) out.push(o);
        }
      } else {
        const { kept: old, seqs, from, length } = list as Postings;
        for (const seq of old) {
          const o = kept.get(seq)!;
          if (matches(o)) out.push(o);
        }
        for (let i = from; i < length; i++) {
          const o = entry(seqs[i]!, test);
          if (o) out.push(o);
        }
      }
      return out;
    },
    latest(query) {
      // Scan backwards: the latest match is usually among the last few observations.
      const test = compileFieldTest(query);
      const matches = (o: Observation) => test(o.source, o.kind, o.subject, o.receivedAt);
      const list = candidates(query);
      if (!list) {
        for (let seq = size; seq >= first; seq--) {
          const o = entry(seq, test);
          if (o) return o;
        }
        return [...kept.values()].findLast(matches);
      }
      if (Array.isArray(list)) {
        for (let i = list.length - 1; i >= 0; i--) {
          const o = retainedAt((list as readonly number[])[i]!);
          if (o && matches(o)) return o;
        }
        return undefined;
      }
      const { kept: old, seqs, from, length } = list as Postings;
      for (let i = length - 1; i >= from; i--) {
        const o = entry(seqs[i]!, test);
        if (o) return o;
      }
      for (let i = old.length - 1; i >= 0; i--) {
        const o = kept.get(old[i]!)!;
        if (matches(o)) return o;
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
