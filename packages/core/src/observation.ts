/**
 * Observations: what an observer saw, when, and where to find it again. Every verdict's evidence points at
 * observations, so each carries a reference a person can follow (a URL and excerpt, a topic/partition/offset,
 * a PromQL query and sample).
 */
import type { StateVocabulary } from './state-vocabulary';

/** Where an observation came from, precisely enough to look it up again. */
export type ObservationRef =
  | {
      type: 'http';
      method: string;
      url: string;
      status?: number;
      /** A short excerpt of the response body (secrets redacted). */
      excerpt?: string;
    }
  | {
      type: 'kafka';
      topic: string;
      partition: number;
      /** Offsets are strings: Kafka offsets are int64. */
      offset: string;
      key?: string;
      /** Broker/producer timestamp, epoch ms. */
      timestamp?: number;
      headers?: Record<string, string>;
    }
  | {
      type: 'promql';
      /** The Prometheus server's base URL. */
      url: string;
      query: string;
      labels: Record<string, string>;
      value: number;
      /** Sample timestamp, epoch ms. */
      timestamp: number;
    }
  | {
      type: 'scrape';
      /** The scraped `/metrics` URL. */
      url: string;
      metric: string;
      labels: Record<string, string>;
      value: number;
      /** Scrape time, epoch ms. */
      timestamp: number;
    }
  | { type: 'runtime'; detail: string }
  | { type: 'custom'; summary: string; [key: string]: unknown };

/** An observation as stored in the timeline. */
export interface Observation<D = unknown> {
  /** Position in the run's timeline: strictly increasing, unique within a run. Evidence refers to it. */
  seq: number;
  /** `api`, `kafka`, `prometheus`, `runtime`, or a plugin's own source name. */
  source: string;
  /** What was observed; see {@link ObservationKinds} for the kinds built-in packages agree on. */
  kind: string;
  /**
   * What it is about, for indexing: a system id for `system.state`, the event type for `event`, the policy
   * id for `policy.execution`, the metric query for `metric.sample`.
   */
  subject?: string;
  /** Clock time (monotonic ms of the run's clock) when the tester received it. */
  receivedAt: number;
  /** The source's own timestamp (epoch ms) when it has one. */
  sourceTime?: number;
  data: D;
  ref: ObservationRef;
}

/** What an observer passes to `ctx.record`. */
export interface ObservationInput<D = unknown> {
  kind: string;
  subject?: string;
  sourceTime?: number;
  data: D;
  ref: ObservationRef;
  /**
   * A compact form of this observation the timeline may retain in its place, off the JavaScript heap, once its
   * subscribers have seen it: for observers that record at high rates (an event stream), where a retained observation's
   * objects cost several times their size in memory. Never part of the observation itself.
   */
  packed?: PackedObservation;
}

/**
 * What an observer hands over for the timeline to keep an observation as bytes: the codec and what it writes them from.
 * @typeParam T what the codec writes from (a raw record)
 */
export interface PackedObservation<T = unknown> {
  codec: ObservationCodec<T>;
  from: T;
}

/**
 * Writes an observation as bytes and reads it back. `read` must give back exactly the input's `kind`, `subject`,
 * `sourceTime`, `data` and `ref` (deep-equal, same fields present): what a user, a report and a replay see of a retained
 * observation is what `read` gives.
 */
export interface ObservationCodec<T = unknown> {
  /** How many bytes `write` takes for `from`. */
  size(from: T): number;
  /** Writes `from` into `target` from `at` on, in exactly `size(from)` bytes. */
  write(from: T, target: Buffer, at: number): void;
  /** The observation's fields from the bytes `write` wrote (a view of them, valid only during the call). */
  read(bytes: Buffer): ObservationInput;
}

/**
 * The observation kinds the built-in observers produce and the built-in assertions read. A third-party
 * observer that records these kinds with these data shapes is understood by the built-in assertions.
 */
export const ObservationKinds = {
  /** {@link SystemStateData}. Recorded on every *change* of a system's state (and once for the initial state). */
  systemState: 'system.state',
  /** {@link EventData}. One per event received from an event stream. */
  event: 'event',
  /** {@link EventDecodeErrorData}. A message that could not be decoded: visible to assertions, not a crash. */
  eventDecodeError: 'event.decode-error',
  /** {@link PolicyExecutionData}. Recorded when an execution appears or changes. */
  policyExecution: 'policy.execution',
  /** {@link ChaosData}. Recorded when a chaos experiment appears or changes status. */
  chaos: 'chaos',
  /** {@link DriftData}. Recorded when a resource's drift status changes. */
  drift: 'drift',
  /** {@link ReconciliationData}. Recorded when a reconciliation appears or changes. */
  reconciliation: 'reconciliation',
  /** {@link MetricSampleData}. One per sample of a query or scrape. */
  metricSample: 'metric.sample',
  /** {@link MetricEmptyData}. A query that answers no series at all (recorded when it starts doing so). */
  metricEmpty: 'metric.empty',
  /** {@link MetricAbsentData}. One series of a query that was present and is no longer in its answer. */
  metricAbsent: 'metric.absent',
  /** {@link MetricErrorData}. The metrics source rejected a query. */
  metricError: 'metric.error',
  /**
   * {@link CatalogData}. What the system under test has (its systems, its policies), recorded once when an
   * observer becomes ready and again when it changes: an expectation that names something not in it is `error`.
   */
  catalog: 'catalog',
  /** {@link FaultData}. Recorded by the runtime from an action's {@link InjectedFault}. */
  faultStarted: 'fault.started',
  /** {@link FaultData}. Recorded by the runtime when the fault's end is known. */
  faultEnded: 'fault.ended',
  /** {@link BlindnessData}. Recorded by the runtime when an observer goes blind. */
  observerBlind: 'observer.blind',
  /** {@link BlindnessData}. Recorded by the runtime when an observer sees again. */
  observerSighted: 'observer.sighted',
} as const;

/**
 * A system's state. Built-in assertions read it from any source; what the state *means* (healthy, transitional,
 * failed, ...) comes from the system's state vocabulary (see `state-vocabulary.ts`), which `kind` or `vocabulary`
 * select.
 */
export interface SystemStateData {
  system: string;
  state: string;
  /** The state before this one, as the source says (or as last observed). */
  previous?: string;
  /** When the source says the system entered this state (ISO string or epoch ms). */
  since?: string | number;
  /**
   * The system's kind, naming its state vocabulary: a built-in one of `STATE_VOCABULARIES` (`control-plane`,
   * `kafka-connect`), or the observer's own with {@link SystemStateData.vocabulary}. Once a system's observation
   * carries it, it holds for that system until another one says otherwise.
   * @default "control-plane"
   */
  kind?: string;
  /** The system's own state vocabulary, for a kind tester has no preset for. Wins over `kind`'s preset. */
  vocabulary?: StateVocabulary;
}

/**
 * Event types the built-in packages agree on. A `STATE_CHANGED` event with `system` and `payload: { from?, to }`
 * is a state transition, from whatever source records it (see `readState`).
 */
export const EventTypes = {
  stateChanged: 'STATE_CHANGED',
} as const;

/**
 * Interest kinds (`Interest.kind`, contract.ts) that plugins which do not know each other agree on: an assertion
 * declares one, the observer of that source runs it.
 */
export const InterestKinds = {
  /** A PromQL query (`value`) the Prometheus observer samples from its first poll on. */
  promql: 'promql',
} as const;

/** An event from an event stream, per the control-plane contract. */
export interface EventData {
  id?: string;
  type: string;
  system?: string;
  /** The event's own timestamp as sent. */
  timestamp?: string | number;
  correlationId?: string;
  payload?: unknown;
}

export interface EventDecodeErrorData {
  error: string;
  /** The raw value, truncated. */
  raw: string;
}

export interface PolicyExecutionData {
  id: string;
  policyId: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | string;
  triggeredAt?: string | number;
  finishedAt?: string | number | null;
  attempts?: number;
  system?: string;
}

export interface ChaosData {
  id: string;
  system: string;
  fault: string;
  status: string;
  startedAt?: string | number;
  endedAt?: string | number | null;
}

export interface DriftData {
  resource: string;
  drifted: boolean;
  desired?: unknown;
  actual?: unknown;
}

export interface ReconciliationData {
  id: string;
  resource: string;
  status: string;
  startedAt?: string | number;
  finishedAt?: string | number | null;
}

export interface MetricSampleData {
  /** The PromQL query, or the metric name for a scrape. */
  query: string;
  labels: Record<string, string>;
  value: number;
  /** Sample timestamp, epoch ms. */
  timestamp: number;
}

export interface MetricEmptyData {
  query: string;
  empty: true;
  /** Metric names the source has that resemble the query's, for "did you mean". */
  suggestions?: string[];
}

export interface MetricAbsentData {
  query: string;
  labels: Record<string, string>;
}

export interface MetricErrorData {
  query: string;
  error: string;
  errorType?: string;
}

/** `subject` is `of`. */
export interface CatalogData {
  /** What is listed: `systems`, `policies`. */
  of: string;
  ids: string[];
}

export interface FaultData {
  id: string;
  system: string;
  fault: string;
  actionId: string;
}

export interface BlindnessData {
  source: string;
  reason?: string;
}
