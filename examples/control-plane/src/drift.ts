import { randomUUID } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { RequestError } from './chaos.js';
import type { EventPublisher } from './events.js';
import type { Metrics } from './metrics.js';

export interface Reconciliation {
  id: string;
  resource: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  finishedAt: string | null;
  error?: string;
}

export interface DriftEntry {
  resource: string;
  desired: unknown;
  actual: unknown;
  drifted: boolean;
}

/** The configuration the control plane manages, as it is when nothing has drifted. */
export const DEFAULT_CONFIG: Record<string, unknown> = {
  'mysql.max_connections': 151,
  'mysql.pool_size': 10,
  'backup.schedule': '0 3 * * *',
};

const RESOURCE = /^[A-Za-z0-9][\w.-]{0,190}$/;
const KEEP = 1000;

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same configuration. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * Desired configuration (set through the API) vs the actual configuration stored in MariaDB (table `cp_actual`,
 * which anything may change behind the control plane's back). A loop compares them; drift is reported
 * (DRIFT_DETECTED), left visible for `delayMs`, then reconciled by writing the desired value and reading it back.
 */
export class DriftReconciler {
  private desired = new Map<string, unknown>();
  private readonly drift = new Map<string, { since: number; reported: boolean; correlationId: string | null }>();
  private readonly runIds = new Map<string, string>();
  private readonly reconciling = new Set<string>();
  private readonly history: Reconciliation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private looping = false;

  constructor(
    private readonly pool: Pool,
    private readonly deps: {
      events: EventPublisher;
      metrics: Metrics;
      intervalMs: number;
      delayMs: number;
      /** Which system a resource belongs to (its name's prefix), for the event key. */
      systemOf: (resource: string) => string;
      log: (line: string) => void;
    },
  ) {}

  async start(): Promise<void> {
    await this.pool.query('CREATE TABLE IF NOT EXISTS cp_desired (resource VARCHAR(191) PRIMARY KEY, value TEXT NOT NULL, updated_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))');
    await this.pool.query('CREATE TABLE IF NOT EXISTS cp_actual (resource VARCHAR(191) PRIMARY KEY, value TEXT NOT NULL, updated_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))');
    for (const [resource, value] of Object.entries(DEFAULT_CONFIG)) {
      await this.pool.query('INSERT IGNORE INTO cp_desired (resource, value) VALUES (?, ?)', [resource, canonical(value)]);
      await this.pool.query('INSERT IGNORE INTO cp_actual (resource, value) VALUES (?, ?)', [resource, canonical(value)]);
    }
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT resource, value FROM cp_desired');
    this.desired = new Map(rows.map((r) => [String(r.resource), JSON.parse(String(r.value))]));
    this.timer = setInterval(() => void this.loop(), this.deps.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  getDesired(resource: string): unknown {
    if (!this.desired.has(resource)) throw new RequestError(404, `no desired configuration for "${resource}"; known: ${[...this.desired.keys()].join(', ')}`);
    return this.desired.get(resource);
  }

  /** PUT /api/v1/desired/{resource}: the next loop sees the drift. `runId` becomes its events' correlationId. */
  async setDesired(resource: string, value: unknown, runId: string | null): Promise<void> {
    if (!RESOURCE.test(resource)) throw new RequestError(400, `resource "${resource}": expected letters, digits, . _ - (up to 191)`);
    if (value === undefined) throw new RequestError(400, 'body: expected a JSON value (the desired configuration)');
    await this.pool.query('INSERT INTO cp_desired (resource, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)', [resource, canonical(value)]);
    this.desired.set(resource, value);
    if (runId) this.runIds.set(resource, runId);
    else this.runIds.delete(resource);
  }

  /** Desired vs actual for every resource, read now. */
  async entries(): Promise<DriftEntry[]> {
    const actual = await this.readActual();
    const names = [...new Set([...this.desired.keys(), ...actual.keys()])].sort();
    return names.map((resource) => {
      const desired = this.desired.has(resource) ? this.desired.get(resource) : null;
      const a = actual.has(resource) ? actual.get(resource) : null;
      return { resource, desired, actual: a, drifted: this.desired.has(resource) && canonical(desired) !== canonical(a) };
    });
  }

  reconciliations(): Reconciliation[] {
    return this.history;
  }

  private async readActual(): Promise<Map<string, unknown>> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT resource, value FROM cp_actual');
    return new Map(
      rows.map((r) => {
        try {
          return [String(r.resource), JSON.parse(String(r.value))];
        } catch {
          return [String(r.resource), String(r.value)]; // someone wrote a non-JSON value behind our back
        }
      }),
    );
  }

  private async loop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      const entries = await this.entries();
      const now = Date.now();
      for (const e of entries) {
        if (!e.drifted) {
          if (!this.reconciling.has(e.resource)) this.drift.delete(e.resource);
          continue;
        }
        let d = this.drift.get(e.resource);
        if (!d) {
          d = { since: now, reported: false, correlationId: this.runIds.get(e.resource) ?? null };
          this.drift.set(e.resource, d);
        }
        if (!d.reported) {
          d.reported = true;
          this.deps.events.publish('DRIFT_DETECTED', this.deps.systemOf(e.resource), { resource: e.resource, desired: e.desired, actual: e.actual }, d.correlationId);
          this.deps.log(`drift on ${e.resource}: desired ${canonical(e.desired)}, actual ${canonical(e.actual)}`);
        }
        if (now - d.since >= this.deps.delayMs && !this.reconciling.has(e.resource)) void this.reconcile(e.resource, d.correlationId);
      }
    } catch (error) {
      this.deps.log(`reconciliation loop: reading configuration failed: ${(error as Error).message}`);
    } finally {
      this.looping = false;
    }
  }

  private async reconcile(resource: string, correlationId: string | null): Promise<void> {
    this.reconciling.add(resource);
    const rec: Reconciliation = { id: randomUUID(), resource, status: 'RUNNING', startedAt: new Date().toISOString(), finishedAt: null };
    this.history.push(rec);
    if (this.history.length > KEEP) this.history.splice(0, this.history.length - KEEP);
    const started = performance.now();
    try {
      const want = canonical(this.desired.get(resource));
      await this.pool.query('INSERT INTO cp_actual (resource, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)', [resource, want]);
      const [rows] = await this.pool.query<RowDataPacket[]>('SELECT value FROM cp_actual WHERE resource = ?', [resource]);
      if (rows[0]?.value !== want) throw new Error(`read back ${String(rows[0]?.value)} instead of ${want}`);
      rec.status = 'SUCCEEDED';
      this.drift.delete(resource);
      this.deps.events.publish('DRIFT_RECONCILED', this.deps.systemOf(resource), { resource, reconciliationId: rec.id }, correlationId);
    } catch (error) {
      rec.status = 'FAILED';
      rec.error = (error as Error).message;
      const d = this.drift.get(resource);
      if (d) d.since = Date.now(); // try again after another delay
    } finally {
      rec.finishedAt = new Date().toISOString();
      this.deps.metrics.reconciliations.inc({ resource, status: rec.status });
      this.deps.metrics.reconciliationDuration.observe((performance.now() - started) / 1000);
      this.reconciling.delete(resource);
    }
  }
}
