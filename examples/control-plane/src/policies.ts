import { randomUUID } from 'node:crypto';
import type { Misbehaviour } from './config.js';
import type { EventPublisher } from './events.js';
import type { Metrics } from './metrics.js';
import type { MonitoredSystem } from './system.js';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface PolicyExecution {
  id: string;
  policyId: string;
  system: string;
  triggeredAt: string;
  finishedAt: string | null;
  status: ExecutionStatus;
  attempts: number;
}

export const POLICIES = [
  { id: 'auto-recover', description: 'After a lost connection, reconnect with retries and exponential backoff, then confirm the system is healthy.', enabled: true },
  { id: 'failover', description: 'When a system stays DISCONNECTED longer than the failover threshold, promote the standby connection.', enabled: true },
] as const;

/** How many executions are kept per policy for the API. */
const KEEP = 500;
/** `late-recovery`: how long after a fault ends the broken control plane waits before it reconnects. */
export const LATE_RECOVERY_MS = 8000;
/** `no-recovery`: attempts before auto-recover gives up (it never really tries). */
const NO_RECOVERY_ATTEMPTS = 5;

export interface PolicyDeps {
  events: EventPublisher;
  metrics: Metrics;
  misbehave: Set<Misbehaviour>;
  healthIntervalMs: number;
  failoverAfterMs: number;
  recoverMaxAttempts: number;
  /** True while a fault is active on the system (used by `late-recovery`). */
  chaosActive: (systemId: string) => boolean;
  log: (line: string) => void;
}

/**
 * The policies: `auto-recover` runs on every loss; `failover` only when an outage outlasts
 * `failoverAfterMs` (it must not fire in a short fault). Executions are recorded with attempts and outcome.
 */
export class PolicyEngine {
  private readonly executions = new Map<string, PolicyExecution[]>(POLICIES.map((p) => [p.id, []]));
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deps: PolicyDeps) {}

  list(policyId: string): PolicyExecution[] | undefined {
    return this.executions.get(policyId);
  }

  /** A system lost its connection: auto-recover now (twice with `double-policy`), failover if it lasts. */
  onLoss(system: MonitoredSystem): void {
    const incident = system.incident;
    const runs = this.deps.misbehave.has('double-policy') ? 2 : 1;
    for (let i = 0; i < runs; i += 1) void this.autoRecover(system);
    this.later(this.deps.failoverAfterMs, () => {
      if (system.incident === incident && incident && (system.state === 'DISCONNECTED' || system.state === 'RECOVERING')) void this.failover(system);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private begin(policyId: string, system: MonitoredSystem): PolicyExecution {
    const exec: PolicyExecution = { id: randomUUID(), policyId, system: system.id, triggeredAt: new Date().toISOString(), finishedAt: null, status: 'RUNNING', attempts: 0 };
    const list = this.executions.get(policyId)!;
    list.push(exec);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
    this.deps.events.publish('POLICY_TRIGGERED', system.id, { policyId, executionId: exec.id, attempts: 0 }, system.incident?.correlationId ?? null);
    return exec;
  }

  private finish(exec: PolicyExecution, status: 'SUCCEEDED' | 'FAILED', correlationId: string | null): void {
    exec.status = status;
    exec.finishedAt = new Date().toISOString();
    this.deps.metrics.policyExecutions.inc({ policy: exec.policyId, system: exec.system, status });
    const type = status === 'SUCCEEDED' ? 'POLICY_SUCCEEDED' : 'POLICY_FAILED';
    this.deps.events.publish(type, exec.system, { policyId: exec.policyId, executionId: exec.id, attempts: exec.attempts }, correlationId);
    this.deps.log(`${exec.policyId} on ${exec.system}: ${status} after ${exec.attempts} attempt(s)`);
  }

  /** Reconnects with retries and exponential backoff (250 ms doubling to 1 s), then confirms with two healthy queries. */
  private async autoRecover(system: MonitoredSystem): Promise<void> {
    const exec = this.begin('auto-recover', system);
    const correlationId = system.incident?.correlationId ?? null;
    const noRecovery = this.deps.misbehave.has('no-recovery');
    const max = noRecovery ? NO_RECOVERY_ATTEMPTS : this.deps.recoverMaxAttempts;
    let backoff = 250;
    while (!this.stopped && exec.attempts < max) {
      exec.attempts += 1;
      if (await this.attempt(system, noRecovery)) {
        this.recovered(system, correlationId);
        this.finish(exec, 'SUCCEEDED', correlationId);
        return;
      }
      if (exec.attempts >= max) break;
      this.deps.metrics.policyRetries.inc({ policy: 'auto-recover', system: system.id });
      await this.wait(backoff);
      backoff = Math.min(backoff * 2, 1000);
    }
    if (this.stopped) return;
    this.finish(exec, 'FAILED', correlationId);
    // A healthy control plane does not give up on a system for good: it tries again later.
    if (!noRecovery) this.later(5000, () => system.state === 'DISCONNECTED' && system.incident && void this.autoRecover(system));
  }

  /** One attempt. True when the system is (now) healthy. */
  private async attempt(system: MonitoredSystem, noRecovery: boolean): Promise<boolean> {
    // Another execution (double-policy) may have recovered it already, or be confirming it right now.
    if (system.state === 'CONNECTED' || system.state === 'DEGRADED') return true;
    if (system.state === 'RECOVERING') return false;
    if (noRecovery) return false; // the broken control plane never reconnects
    if (this.deps.misbehave.has('late-recovery')) {
      const holdUntil = system.lastChaosEndedAt + LATE_RECOVERY_MS;
      if (this.deps.chaosActive(system.id) || Date.now() < holdUntil) return false;
    }
    if (!(await system.reconnect())) return false;
    if (system.state !== 'DISCONNECTED') return system.state !== 'RECOVERING';
    const correlationId = system.incident?.correlationId ?? null;
    system.transition('RECOVERING', correlationId);
    // Confirm: two more healthy queries, one health interval apart.
    for (let i = 0; i < 2; i += 1) {
      await this.wait(this.deps.healthIntervalMs);
      if (!(await system.probe())) {
        system.transition('DISCONNECTED', correlationId);
        return false;
      }
    }
    return true;
  }

  /** The system is healthy again: final state, CONNECTION_RESTORED. */
  private recovered(system: MonitoredSystem, correlationId: string | null): void {
    if (system.state !== 'RECOVERING') return; // another execution already did this
    if (this.deps.misbehave.has('wrong-final-state')) {
      system.stuckDegraded = true;
      system.transition('DEGRADED', correlationId);
    } else {
      system.transition('CONNECTED', correlationId);
    }
    system.incident = undefined;
    this.deps.events.publish('CONNECTION_RESTORED', system.id, {}, correlationId);
  }

  /** Promotes the standby: a fresh pool; SUCCEEDED when it answers. */
  private async failover(system: MonitoredSystem): Promise<void> {
    const exec = this.begin('failover', system);
    const correlationId = system.incident?.correlationId ?? null;
    exec.attempts = 1;
    const ok = system.state === 'DISCONNECTED' ? await system.reconnect() : false;
    this.finish(exec, ok ? 'SUCCEEDED' : 'FAILED', correlationId);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve));
  }

  private later(ms: number, fn: () => unknown): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }
}
