import { randomUUID } from 'node:crypto';
import type { EventPublisher } from './events.js';
import type { Metrics } from './metrics.js';
import type { MonitoredSystem } from './system.js';

export const FAULTS = ['CONNECTION_LOSS', 'LATENCY', 'ERROR_RATE'] as const;
export type Fault = (typeof FAULTS)[number];

export interface ChaosRecord {
  id: string;
  system: string;
  fault: Fault;
  status: 'ACTIVE' | 'ENDED' | 'CANCELLED';
  startedAt: string;
  endedAt: string | null;
  /** Seconds. */
  duration: number;
  params: Record<string, unknown>;
}

/** A request the API could not accept: `status` is the HTTP status to answer with. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** How long after a fault ended its id still explains what happens to the system (the recovery). */
const CORRELATION_TAIL_MS = 30_000;
const KEEP = 1000;

/**
 * Chaos on the systems' proxies. CONNECTION_LOSS cuts the proxy (live connections dropped, new ones refused),
 * LATENCY delays its traffic by `params.latency_ms` (default 500), ERROR_RATE kills a fraction `params.rate`
 * (default 0.5) of the client's packets' connections so queries fail. A fault ends when its duration is over
 * (EXPIRED) or on DELETE (CANCELLED).
 */
export class ChaosEngine {
  private readonly records = new Map<string, ChaosRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastEnded = new Map<string, { id: string; at: number }>();

  constructor(
    private readonly systems: Map<string, MonitoredSystem>,
    private readonly events: EventPublisher,
    private readonly metrics: Metrics,
    /** The `ignore-chaos` switch: faults are accepted, reported and published, but never reach the proxy. */
    private readonly ignore = false,
  ) {}

  list(): ChaosRecord[] {
    return [...this.records.values()];
  }

  get(id: string): ChaosRecord | undefined {
    return this.records.get(id);
  }

  /** Validates and starts a fault. Returns `created: false` when a client-chosen id already exists (idempotent). */
  async start(body: unknown): Promise<{ record: ChaosRecord; created: boolean }> {
    if (!body || typeof body !== 'object') throw new RequestError(400, 'body: expected a JSON object { system, fault, duration, params? }');
    const b = body as Record<string, unknown>;
    if (b.id !== undefined && (typeof b.id !== 'string' || !/^[\w.:-]{1,128}$/.test(b.id))) {
      throw new RequestError(400, 'id: expected 1-128 letters, digits or . _ : -');
    }
    const existing = typeof b.id === 'string' ? this.records.get(b.id) : undefined;
    if (existing) return { record: existing, created: false };
    if (typeof b.system !== 'string' || !this.systems.has(b.system)) {
      throw new RequestError(400, `system: expected one of ${[...this.systems.keys()].join(', ')}, got ${JSON.stringify(b.system)}`);
    }
    if (typeof b.fault !== 'string' || !(FAULTS as readonly string[]).includes(b.fault)) {
      throw new RequestError(400, `fault: expected one of ${FAULTS.join(', ')}, got ${JSON.stringify(b.fault)}`);
    }
    const duration = typeof b.duration === 'string' ? Number(b.duration) : b.duration;
    if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0 || duration > 3600) {
      throw new RequestError(400, `duration: expected seconds, a number > 0 and <= 3600, got ${JSON.stringify(b.duration)}`);
    }
    const params = b.params && typeof b.params === 'object' ? (b.params as Record<string, unknown>) : {};
    const fault = b.fault as Fault;
    if (fault === 'LATENCY' && params.latency_ms !== undefined && !(typeof params.latency_ms === 'number' && params.latency_ms >= 0)) {
      throw new RequestError(400, 'params.latency_ms: expected a number of milliseconds >= 0');
    }
    if (fault === 'ERROR_RATE' && params.rate !== undefined && !(typeof params.rate === 'number' && params.rate >= 0 && params.rate <= 1)) {
      throw new RequestError(400, 'params.rate: expected a number from 0 to 1');
    }
    const record: ChaosRecord = {
      id: typeof b.id === 'string' ? b.id : randomUUID(),
      system: b.system,
      fault,
      status: 'ACTIVE',
      startedAt: new Date().toISOString(),
      endedAt: null,
      duration,
      params,
    };
    this.records.set(record.id, record);
    this.trim();
    await this.metrics.faultStarted(); // before the gauge moves: `stale-metrics` freezes the pre-fault view
    this.metrics.chaosActive.inc({ system: record.system, fault });
    this.events.publish('CHAOS_STARTED', record.system, { chaosId: record.id, fault, duration, params }, record.id);
    this.apply(record.system);
    this.timers.set(record.id, setTimeout(() => this.end(record.id, 'EXPIRED'), duration * 1000));
    return { record, created: true };
  }

  /** Ends a fault (no-op when it already ended). */
  end(id: string, reason: 'EXPIRED' | 'CANCELLED'): ChaosRecord | undefined {
    const record = this.records.get(id);
    if (!record || record.status !== 'ACTIVE') return record;
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    record.status = reason === 'EXPIRED' ? 'ENDED' : 'CANCELLED';
    record.endedAt = new Date().toISOString();
    this.metrics.chaosActive.dec({ system: record.system, fault: record.fault });
    this.apply(record.system);
    const system = this.systems.get(record.system);
    if (system) system.lastChaosEndedAt = Date.now();
    this.lastEnded.set(record.system, { id, at: Date.now() });
    this.events.publish('CHAOS_ENDED', record.system, { chaosId: id, fault: record.fault, reason }, id);
    return record;
  }

  active(systemId: string): ChaosRecord[] {
    return [...this.records.values()].filter((r) => r.system === systemId && r.status === 'ACTIVE');
  }

  /** The chaos id that explains what happens to a system now: an active fault, or one that ended moments ago. */
  correlation(systemId: string): string | null {
    const active = this.active(systemId);
    if (active.length) return active[active.length - 1]!.id;
    const last = this.lastEnded.get(systemId);
    return last && Date.now() - last.at < CORRELATION_TAIL_MS ? last.id : null;
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }

  /** Recomputes one proxy's faults from every active record on its system. */
  private apply(systemId: string): void {
    if (this.ignore) return;
    const active = this.active(systemId);
    const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);
    this.systems.get(systemId)?.setFaults({
      cut: active.some((r) => r.fault === 'CONNECTION_LOSS'),
      latencyMs: Math.max(0, ...active.filter((r) => r.fault === 'LATENCY').map((r) => num(r.params.latency_ms, 500))),
      errorRate: Math.max(0, ...active.filter((r) => r.fault === 'ERROR_RATE').map((r) => num(r.params.rate, 0.5))),
    });
  }

  private trim(): void {
    if (this.records.size <= KEEP) return;
    for (const [id, r] of this.records) {
      if (this.records.size <= KEEP) break;
      if (r.status !== 'ACTIVE') this.records.delete(id);
    }
  }
}
