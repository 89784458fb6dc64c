import type { Pool } from 'mysql2/promise';
import { createPool, endPool, timedQuery, type DbTarget } from './db.js';
import type { EventPublisher } from './events.js';
import type { Metrics } from './metrics.js';
import { TcpProxy, type ProxyFaults } from './proxy.js';

export const STATES = ['CONNECTED', 'DEGRADED', 'DISCONNECTED', 'RECOVERING'] as const;
export type SystemState = (typeof STATES)[number];

/** The current incident of a system: from the moment the loss was seen until it is CONNECTED again. */
export interface Incident {
  lostAt: number;
  correlationId: string | null;
}

export interface SystemDeps {
  db: Omit<DbTarget, 'host' | 'port'> & { host: string; port: number };
  events: EventPublisher;
  metrics: Metrics;
  healthIntervalMs: number;
  degradedThresholdMs: number;
  queryTimeoutMs: number;
  /** Called when the health checker sees the connection fail: the policies take over from here. */
  onLoss: (system: MonitoredSystem) => void;
  /** The chaos id that best explains what happens to this system now (active or just ended), if any. */
  chaosCorrelation: (systemId: string) => string | null;
  log: (line: string) => void;
}

/**
 * One logical system: a TCP proxy in front of MariaDB, a mysql2 pool through it, a health checker running real
 * queries, and the state machine those queries drive:
 * CONNECTED <-> DEGRADED (slow queries), CONNECTED/DEGRADED -> DISCONNECTED (a query fails),
 * DISCONNECTED -> RECOVERING -> CONNECTED (the auto-recover policy reconnected and confirmed it).
 */
export class MonitoredSystem {
  state: SystemState = 'DISCONNECTED';
  since = new Date();
  incident: Incident | undefined;
  /** `wrong-final-state`: after a recovery the health checker leaves DEGRADED alone until the next loss. */
  stuckDegraded = false;
  lastChaosEndedAt = 0;
  readonly proxy: TcpProxy;
  private pool: Pool | undefined;
  private proxyPort = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private slowStreak = 0;

  constructor(
    readonly id: string,
    private readonly deps: SystemDeps,
  ) {
    this.proxy = new TcpProxy({ host: deps.db.host, port: deps.db.port });
  }

  /** Opens the proxy and the pool, takes the first reading, and starts the health checker. */
  async start(): Promise<void> {
    this.proxyPort = await this.proxy.listen();
    this.pool = this.newPool();
    for (const state of STATES) this.deps.metrics.systemState.set({ system: this.id, state }, 0);
    const ok = await this.probe();
    this.state = ok ? 'CONNECTED' : 'DISCONNECTED';
    this.since = new Date();
    this.deps.metrics.systemState.set({ system: this.id, state: this.state }, 1);
    if (!ok) this.lose('the first health query failed');
    this.timer = setInterval(() => void this.tick(), this.deps.healthIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.pool) await endPool(this.pool);
    await this.proxy.close();
  }

  setFaults(faults: ProxyFaults): void {
    this.proxy.setFaults(faults);
  }

  /** Moves to a state, with its metrics and STATE_CHANGED event; no-op when already there. */
  transition(to: SystemState, correlationId: string | null): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.since = new Date();
    const m = this.deps.metrics;
    m.systemState.set({ system: this.id, state: from }, 0);
    m.systemState.set({ system: this.id, state: to }, 1);
    m.transitions.inc({ system: this.id, from, to });
    this.deps.events.publish('STATE_CHANGED', this.id, { from, to }, correlationId);
    this.deps.log(`${this.id}: ${from} -> ${to}`);
  }

  /** Records a loss: CONNECTION_LOST, DISCONNECTED, and hands over to the policies. */
  lose(error: string): void {
    const correlationId = this.deps.chaosCorrelation(this.id);
    this.incident = { lostAt: Date.now(), correlationId };
    this.stuckDegraded = false;
    this.deps.events.publish('CONNECTION_LOST', this.id, { error }, correlationId);
    this.transition('DISCONNECTED', correlationId);
    this.deps.onLoss(this);
  }

  /** Throws away the pool (its connections may be half-dead) and makes a new one through the proxy. */
  async reconnect(): Promise<boolean> {
    const old = this.pool;
    this.pool = this.newPool();
    if (old) void endPool(old);
    return this.probe();
  }

  /** One health query through the pool; records its latency. Never throws. */
  async probe(): Promise<boolean> {
    return (await this.measure()).ok;
  }

  async measure(): Promise<{ ok: boolean; ms: number; error?: string }> {
    const pool = this.pool;
    if (!pool) return { ok: false, ms: 0, error: 'no pool' };
    const started = performance.now();
    try {
      const ms = await timedQuery(pool, 'SELECT 1 AS ok', this.deps.queryTimeoutMs);
      this.deps.metrics.dbQueryDuration.observe({ system: this.id }, ms / 1000);
      return { ok: true, ms };
    } catch (error) {
      const ms = performance.now() - started;
      this.deps.metrics.dbQueryDuration.observe({ system: this.id }, ms / 1000);
      return { ok: false, ms, error: (error as Error).message || String(error) };
    }
  }

  /** The health checker's round. DISCONNECTED and RECOVERING belong to the policies, so it only watches the others. */
  private async tick(): Promise<void> {
    if (this.checking || (this.state !== 'CONNECTED' && this.state !== 'DEGRADED')) return;
    this.checking = true;
    try {
      const result = await this.measure();
      if (this.state !== 'CONNECTED' && this.state !== 'DEGRADED') return; // changed while we waited
      if (!result.ok) {
        this.lose(result.error ?? 'query failed');
        return;
      }
      const correlationId = this.deps.chaosCorrelation(this.id) ?? this.incident?.correlationId ?? null;
      // Two slow answers in a row make it DEGRADED: one slow answer is often just a busy machine, not the database.
      this.slowStreak = result.ms > this.deps.degradedThresholdMs ? this.slowStreak + 1 : 0;
      if (this.slowStreak >= 2) this.transition('DEGRADED', correlationId);
      else if (this.slowStreak === 0 && !this.stuckDegraded) this.transition('CONNECTED', correlationId);
    } finally {
      this.checking = false;
    }
  }

  private newPool(): Pool {
    return createPool({ ...this.deps.db, host: '127.0.0.1', port: this.proxyPort }, { connectTimeoutMs: Math.min(this.deps.queryTimeoutMs, 2000) });
  }

  toJSON(): { id: string; state: SystemState; since: string } {
    return { id: this.id, state: this.state, since: this.since.toISOString() };
  }
}
