import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the control plane exports (names and labels per TEAM.md), on a registry of its own. */
export class Metrics {
  readonly registry = new Registry();
  readonly systemState = new Gauge({ name: 'cp_system_state', help: '1 for the current state of a system, 0 for the others', labelNames: ['system', 'state'], registers: [this.registry] });
  readonly transitions = new Counter({ name: 'cp_state_transitions_total', help: 'State transitions per system', labelNames: ['system', 'from', 'to'], registers: [this.registry] });
  readonly chaosActive = new Gauge({ name: 'cp_chaos_active', help: 'Active chaos faults per system and fault type', labelNames: ['system', 'fault'], registers: [this.registry] });
  readonly policyExecutions = new Counter({ name: 'cp_policy_executions_total', help: 'Finished policy executions by outcome', labelNames: ['policy', 'system', 'status'], registers: [this.registry] });
  readonly policyRetries = new Counter({ name: 'cp_policy_retries_total', help: 'Policy attempts that failed and were retried', labelNames: ['policy', 'system'], registers: [this.registry] });
  readonly reconciliations = new Counter({ name: 'cp_reconciliations_total', help: 'Reconciliations by resource and outcome', labelNames: ['resource', 'status'], registers: [this.registry] });
  readonly reconciliationDuration = new Histogram({
    name: 'cp_reconciliation_duration_seconds',
    help: 'Time from the start of a reconciliation to its end',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly dbQueryDuration = new Histogram({
    name: 'cp_db_query_duration_seconds',
    help: 'Health-check query latency per system (failed queries included)',
    labelNames: ['system'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** What observing costs the control plane: a black-box tester must not load the system it judges (bench/suite). */
  readonly httpRequests = new Counter({ name: 'cp_http_requests_total', help: 'HTTP requests served, by method and resource', labelNames: ['method', 'resource'], registers: [this.registry] });
  readonly eventsPublished = new Counter({ name: 'cp_events_published_total', help: 'Events acknowledged by Kafka, by type', labelNames: ['type'], registers: [this.registry] });

  /** With `stale-metrics`, the exposition frozen when the first fault started. */
  private frozen: string | undefined;

  constructor(private readonly staleOnFault: boolean) {}

  /** Called when a fault starts: the `stale-metrics` switch freezes /metrics here. */
  async faultStarted(): Promise<void> {
    if (this.staleOnFault && this.frozen === undefined) this.frozen = await this.registry.metrics();
  }

  /** The Prometheus exposition text. */
  async exposition(): Promise<string> {
    return this.frozen ?? (await this.registry.metrics());
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
