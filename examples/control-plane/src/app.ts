import type { Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import type { Pool } from 'mysql2/promise';
import { ChaosEngine } from './chaos.js';
import { systemIds, type ControlPlaneConfig } from './config.js';
import { createPool, endPool, ensureDatabase } from './db.js';
import { DriftReconciler } from './drift.js';
import { EventPublisher } from './events.js';
import { createApi } from './http.js';
import { Metrics } from './metrics.js';
import { PolicyEngine } from './policies.js';
import { MonitoredSystem } from './system.js';

/** The running control plane: systems, chaos, policies, drift, events and metrics, wired together. */
export class ControlPlane {
  readonly metrics: Metrics;
  readonly events: EventPublisher;
  readonly systems = new Map<string, MonitoredSystem>();
  readonly chaos: ChaosEngine;
  readonly policies: PolicyEngine;
  drift!: DriftReconciler;
  private adminPool: Pool | undefined;
  private server: Server | undefined;
  port = 0;

  constructor(
    readonly config: ControlPlaneConfig,
    readonly log: (line: string) => void = (line) => console.log(`[control-plane] ${line}`),
  ) {
    const mis = config.misbehave;
    this.metrics = new Metrics(mis.has('stale-metrics'));
    this.events = new EventPublisher({
      bootstrap: config.kafkaBootstrap,
      topic: config.topic,
      metrics: this.metrics,
      duplicate: mis.has('duplicate-events'),
      drop: (type) => mis.has('missing-events') && type === 'CONNECTION_RESTORED',
      log,
    });
    this.chaos = new ChaosEngine(this.systems, this.events, this.metrics, mis.has('ignore-chaos'));
    this.policies = new PolicyEngine({
      events: this.events,
      metrics: this.metrics,
      misbehave: mis,
      healthIntervalMs: config.healthIntervalMs,
      failoverAfterMs: config.failoverAfterMs,
      recoverMaxAttempts: config.recoverMaxAttempts,
      chaosActive: (id) => this.chaos.active(id).length > 0,
      log,
    });
  }

  /** Database, Kafka topic and producer, systems, reconciliation loop, then the HTTP API. */
  async start(): Promise<void> {
    const c = this.config;
    const db = { ...c.mariadb, database: c.database };
    await ensureDatabase(db, 30_000);
    this.adminPool = createPool(db, { connectTimeoutMs: 2000, limit: 3 });
    await this.events.start();
    for (const id of systemIds(c.systems)) {
      const system = new MonitoredSystem(id, {
        db,
        events: this.events,
        metrics: this.metrics,
        healthIntervalMs: c.healthIntervalMs,
        degradedThresholdMs: c.degradedThresholdMs,
        queryTimeoutMs: c.queryTimeoutMs,
        onLoss: (s) => this.policies.onLoss(s),
        chaosCorrelation: (sid) => this.chaos.correlation(sid),
        log: this.log,
      });
      this.systems.set(id, system);
    }
    await Promise.all([...this.systems.values()].map((s) => s.start()));
    this.drift = new DriftReconciler(this.adminPool, {
      events: this.events,
      metrics: this.metrics,
      intervalMs: c.reconcileIntervalMs,
      delayMs: c.reconcileDelayMs,
      systemOf: (resource) => {
        const prefix = resource.split('.')[0] ?? '';
        return this.systems.has(prefix) ? prefix : 'mysql';
      },
      log: this.log,
    });
    await this.drift.start();
    const server = createApi(this);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(c.port, c.host, () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : c.port;
    const url = `http://${c.host}:${this.port}`;
    if (c.readyFile) {
      writeFileSync(c.readyFile, JSON.stringify({ port: this.port, url, topic: c.topic, database: c.database, pid: process.pid }));
    }
    const switches = [...c.misbehave].join(',') || 'none';
    this.log(`listening on ${url} (topic ${c.topic}, database ${c.database}, ${c.systems} systems, misbehave: ${switches})`);
  }

  /** Stops loops and timers, flushes queued events (bounded), closes pools, proxies and the server. */
  async stop(): Promise<void> {
    this.drift?.stop();
    this.policies.stop();
    this.chaos.stop();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await Promise.all([...this.systems.values()].map((s) => s.stop()));
    await this.events.close(3000);
    if (this.adminPool) await endPool(this.adminPool);
  }
}
