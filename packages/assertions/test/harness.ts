/**
 * A tiny synthetic run for unit tests of one evaluator: a manual clock, a timeline, faults, blind spans and the
 * window, driving the evaluator the way core's runtime does (observe every observation in order, then ask for a
 * verdict). It shows what the evaluator *reports*; it does not apply core's rules (blindness, the timeout's
 * `undecided`, provisional passes confirmed at the closed window, settling). Tests of those rules go through
 * core's runtime with the simulated control plane (`sim.ts`).
 */
import type {
  AssertionCreateContext,
  BlindSpan,
  Clock,
  EvaluationContext,
  Evaluator,
  FaultRecord,
  Observation,
  ObservationQuery,
  ObservationRef,
  TimelineView,
  Verdict,
  WindowState,
} from '@tester/core';
import { assertionsPlugin } from '../src/index';

const matches = (o: Observation, q: ObservationQuery = {}) => {
  const one = (v: string | readonly string[] | undefined, x: string) => v === undefined || (typeof v === 'string' ? v === x : v.includes(x));
  return (
    one(q.source, o.source) &&
    one(q.kind, o.kind) &&
    (q.subject === undefined || q.subject === o.subject) &&
    (q.since === undefined || o.receivedAt >= q.since) &&
    (q.until === undefined || o.receivedAt <= q.until)
  );
};

export class FakeRun {
  now = 0;
  readonly observations: Observation[] = [];
  readonly faults: FaultRecord[] = [];
  readonly blind: BlindSpan[] = [];
  readonly window: WindowState = { opensAt: undefined, closesAt: undefined, closed: false };
  private offsets = new Map<number, number>();
  readonly clock: Clock = {
    now: () => this.now,
    wallNow: () => 1_700_000_000_000 + this.now,
    until: () => Promise.resolve(),
    every: () => () => undefined,
  };
  readonly timeline: TimelineView = {
    get size() {
      return 0;
    },
    get: (seq) => this.observations.find((o) => o.seq === seq),
    query: (q) => this.observations.filter((o) => matches(o, q)),
    latest: (q) => this.observations.filter((o) => matches(o, q)).at(-1),
    subscribe: () => () => undefined,
    waitFor: () => Promise.reject(new Error('not in unit tests')),
  };

  constructor(readonly evaluator: Evaluator) {}

  /** Moves the clock to `t` (ms). */
  at(t: number): this {
    this.now = t;
    return this;
  }

  record(input: { source: string; kind: string; subject?: string; data: unknown; ref: ObservationRef }): Observation {
    const o: Observation = { seq: this.observations.length + 1, receivedAt: this.now, ...input };
    this.observations.push(o);
    this.evaluator.observe?.(o);
    return o;
  }

  state(system: string, state: string, source = 'api'): Observation {
    return this.record({
      source,
      kind: 'system.state',
      subject: system,
      data: { system, state },
      ref: { type: 'http', method: 'GET', url: `http://127.0.0.1:8080/api/v1/systems/${system}` },
    });
  }

  event(type: string, opts: { system?: string; id?: string; payload?: unknown; partition?: number; timestamp?: string } = {}): Observation {
    const partition = opts.partition ?? 0;
    const offset = this.offsets.get(partition) ?? 0;
    this.offsets.set(partition, offset + 1);
    const id = opts.id ?? `e${this.observations.length + 1}`;
    return this.record({
      source: 'kafka',
      kind: 'event',
      subject: type,
      data: { id, type, system: opts.system ?? 'mysql', payload: opts.payload ?? {}, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) },
      ref: { type: 'kafka', topic: 'control-plane.events', partition, offset: String(offset) },
    });
  }

  stateChanged(from: string, to: string, system = 'mysql'): Observation {
    return this.event('STATE_CHANGED', { system, payload: { from, to } });
  }

  decodeError(): Observation {
    const offset = this.offsets.get(0) ?? 0;
    this.offsets.set(0, offset + 1);
    return this.record({
      source: 'kafka',
      kind: 'event.decode-error',
      data: { error: 'Unexpected token', raw: '{nope' },
      ref: { type: 'kafka', topic: 'control-plane.events', partition: 0, offset: String(offset) },
    });
  }

  policy(id: string, status: string, opts: { policyId?: string; attempts?: number; system?: string; triggeredAt?: string } = {}): Observation {
    const policyId = opts.policyId ?? 'auto-recover';
    return this.record({
      source: 'api',
      kind: 'policy.execution',
      subject: policyId,
      data: { id, policyId, status, attempts: opts.attempts ?? 1, system: opts.system ?? 'mysql', ...(opts.triggeredAt ? { triggeredAt: opts.triggeredAt } : {}) },
      ref: { type: 'http', method: 'GET', url: `http://127.0.0.1:8080/api/v1/policies/${policyId}/executions` },
    });
  }

  /** What the control plane lists (`catalog` observation): `catalog('systems', ['mysql'])`. */
  catalog(of: 'systems' | 'policies', ids: string[]): Observation {
    return this.record({ source: 'api', kind: 'catalog', subject: of, data: { of, ids }, ref: { type: 'http', method: 'GET', url: `http://127.0.0.1:8080/api/v1/${of}` } });
  }

  sample(query: string, value: number, labels: Record<string, string> = {}): Observation {
    return this.record({
      source: 'prometheus',
      kind: 'metric.sample',
      subject: query,
      data: { query, labels, value, timestamp: this.clock.wallNow() },
      ref: { type: 'promql', url: 'http://127.0.0.1:9090', query, labels, value, timestamp: this.clock.wallNow() },
    });
  }

  open(t = this.now): this {
    this.window.opensAt = t;
    return this;
  }

  startFault(t = this.now, system = 'mysql', actionId = 'cut'): FaultRecord {
    const f: FaultRecord = { id: `chaos-${this.faults.length + 1}`, system, fault: 'CONNECTION_LOSS', actionId, startedAt: t, endedAt: undefined };
    this.faults.push(f);
    return f;
  }

  endFault(t = this.now, index = 0): this {
    (this.faults[index] as FaultRecord).endedAt = t;
    return this;
  }

  /** Sets the window's end and marks it closed (every barrier resolved). */
  close(t = this.now): this {
    this.window.closesAt = t;
    this.window.closed = true;
    return this;
  }

  blindSpan(source: string, from: number, to?: number): this {
    this.blind.push({ source, from, to, reason: 'connection refused' });
    return this;
  }

  context(): EvaluationContext {
    return {
      timeline: this.timeline,
      window: { ...this.window },
      faults: this.faults.map((f) => ({ ...f })),
      clock: this.clock,
      blindSpans: (source?: string) => this.blind.filter((b) => source === undefined || b.source === source),
    };
  }

  /** What the evaluator answers now (before core's rules). */
  verdict(): Verdict {
    return this.evaluator.verdict(this.context());
  }
}

const plugin = assertionsPlugin();

/** Parses one item with the section's schema (throws with zod's issues when invalid). */
export function parse(section: string, item: unknown): unknown {
  const def = plugin.assertions?.[section];
  if (!def) throw new Error(`no section ${section}`);
  return def.schema.parse(item);
}

/** The zod issues for an invalid item, as `path: message` lines. */
export function problems(section: string, item: unknown): string[] {
  const def = plugin.assertions?.[section];
  if (!def) throw new Error(`no section ${section}`);
  const r = def.schema.safeParse(item);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

/** Parses an item and creates its evaluator inside a fresh synthetic run. */
export function runOf(section: string, item: unknown): FakeRun {
  const def = plugin.assertions?.[section];
  if (!def) throw new Error(`no section ${section}`);
  const ctx = { section, index: 0, runId: 'run-1', config: undefined } as unknown as AssertionCreateContext;
  return new FakeRun(def.create(def.schema.parse(item), ctx));
}
