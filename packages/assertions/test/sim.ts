/**
 * A simulated control plane for tests that go through core's real loader and runtime on a manual clock:
 * an `api` observer that polls (so it lags and records changes only; it also records what the control plane
 * lists, as `catalog` observations, and its chaos records), a `kafka` observer that records events as
 * published, a `prometheus` observer that samples every second, and a `CHAOS` action that injects a fault.
 * It implements the reference control plane's misbehaviour switches the same way, so each can be shown to be
 * caught, and can make an observer blind for a span (a {@link Blackout}) so core's blindness rule can be shown.
 * Nothing here is a mock of a client library: it is a stand-in system under test for unit-speed runs.
 *
 * The healthy timeline, from the CHAOS action at t = 0 (a fault of `duration` d, 2 s in the scenarios here):
 * CHAOS_STARTED and chaos c1 ACTIVE at 0; DISCONNECTED, CONNECTION_LOST and auto-recover RUNNING at 200 ms;
 * CHAOS_ENDED and chaos c1 EXPIRED at d; RECOVERING at d + 300 ms; CONNECTED, CONNECTION_RESTORED and
 * auto-recover SUCCEEDED at d + 600 ms. The api observer sees each of them at its next 250 ms poll.
 */
import { definePlugin, PLUGIN_API_VERSION, z, type ObserverContext, type TesterPlugin } from '@tester/core';
import { ManualClock, type ScenarioResult } from '@tester/core/runner';

export type Switch =
  | 'no-recovery'
  | 'duplicate-events'
  | 'double-policy'
  | 'wrong-final-state'
  | 'missing-events'
  | 'late-recovery'
  | 'stale-metrics'
  /** Accepts and reports the fault (CHAOS_STARTED/ENDED, the chaos record) and does nothing to the system. */
  | 'ignore-chaos'
  /** The policy execution never finishes (stays RUNNING): the system never settles. */
  | 'stuck-policy';

/** An observer that cannot see from `from` to `to` (clock ms): the api does not poll, kafka loses what is published. */
export interface Blackout {
  source: 'api' | 'kafka';
  from: number;
  to: number;
}

/** What the control plane lists (`GET /api/v1/systems`, `GET /api/v1/policies`). */
export const CATALOG = { systems: ['mysql'], policies: ['auto-recover', 'failover'] } as const;

const POLL_MS = 250;
const P99 = 'histogram_quantile(0.99, sum by (le) (rate(cp_db_query_duration_seconds_bucket{system="mysql"}[60s])))';

export class SimControlPlane {
  readonly clock = new ManualClock(0);
  state = 'CONNECTED';
  readonly executions = new Map<string, { id: string; policyId: string; system: string; status: string; attempts: number }>();
  private seq = 0;
  /** The kafka observer's context, once started: events are recorded there as they are published. */
  kafka?: ObserverContext;
  private transitions = new Map<string, number>();
  private retries = 0;
  frozen?: Map<string, { labels: Record<string, string>; value: number }>;
  /** The chaos record the control plane reports (`GET /api/v1/chaos/{id}`), once a fault was injected. */
  chaosRecord?: { id: string; system: string; fault: string; status: string };
  /** Whether the kafka observer is blind now (what is published meanwhile is lost to it). */
  kafkaBlind = false;

  constructor(
    readonly switches: Switch[] = [],
    readonly blackouts: Blackout[] = [],
  ) {}

  private has(s: Switch) {
    return this.switches.includes(s);
  }

  private publish(type: string, payload: Record<string, unknown> = {}): void {
    const id = `ev-${++this.seq}`;
    if (this.kafkaBlind) return;
    for (let i = 0; i < (this.has('duplicate-events') ? 2 : 1); i++) {
      this.kafka?.record({
        kind: 'event',
        subject: type,
        data: { id, type, system: 'mysql', correlationId: 'run', payload },
        ref: { type: 'kafka', topic: 'control-plane.events', partition: 0, offset: String(this.seq * 2 + i) },
      });
    }
  }

  private setState(to: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    const key = `${from}->${to}`;
    this.transitions.set(key, (this.transitions.get(key) ?? 0) + 1);
    this.publish('STATE_CHANGED', { from, to });
  }

  private at(ms: number, fn: () => void): void {
    void this.clock.until(this.clock.now() + ms).then(fn);
  }

  private fire(n: number): void {
    const id = `x${this.executions.size + 1}`;
    this.executions.set(id, { id, policyId: 'auto-recover', system: 'mysql', status: 'RUNNING', attempts: 1 });
    this.publish('POLICY_TRIGGERED', { policyId: 'auto-recover', executionId: id, attempts: 1 });
    if (n > 1) this.fire(n - 1);
  }

  private finishPolicies(status: string, attempts: number): void {
    if (this.has('stuck-policy')) return;
    for (const e of this.executions.values()) {
      if (e.status !== 'RUNNING') continue;
      e.status = status;
      e.attempts = attempts;
      this.retries += attempts - 1;
      this.publish(status === 'SUCCEEDED' ? 'POLICY_SUCCEEDED' : 'POLICY_FAILED', { policyId: 'auto-recover', executionId: e.id, attempts });
    }
  }

  /** A CONNECTION_LOSS of `durationMs`: lost after 200 ms, auto-recover fires, recovering 300 ms after the end, connected 300 ms later. */
  chaos(system: string, fault: string, durationMs: number): Promise<number> {
    this.chaosRecord = { id: 'c1', system, fault, status: 'ACTIVE' };
    this.publish('CHAOS_STARTED', { chaosId: 'c1', fault, duration: durationMs / 1000 });
    if (this.has('stale-metrics')) this.frozen = this.metrics();
    const ignored = this.has('ignore-chaos');
    if (!ignored)
      this.at(200, () => {
        this.setState('DISCONNECTED');
        this.publish('CONNECTION_LOST', { error: 'ECONNRESET' });
        this.fire(this.has('double-policy') ? 2 : 1);
      });
    return new Promise((resolve) =>
      this.at(durationMs, () => {
        this.chaosRecord = { id: 'c1', system, fault, status: 'EXPIRED' };
        this.publish('CHAOS_ENDED', { chaosId: 'c1', fault, reason: 'EXPIRED' });
        resolve(this.clock.now());
        if (ignored) return;
        if (this.has('no-recovery')) return this.at(1000, () => this.finishPolicies('FAILED', 3));
        this.at(this.has('late-recovery') ? 8000 : 300, () => {
          this.setState('RECOVERING');
          this.at(300, () => {
            this.setState('CONNECTED');
            if (!this.has('missing-events')) this.publish('CONNECTION_RESTORED');
            this.finishPolicies('SUCCEEDED', 1);
            if (this.has('wrong-final-state')) this.at(100, () => (this.state = 'DEGRADED'));
          });
        });
      }),
    );
  }

  metrics(): Map<string, { labels: Record<string, string>; value: number }> {
    const m = new Map<string, { labels: Record<string, string>; value: number }>();
    m.set('cp_system_state{state="CONNECTED",system="mysql"}', { labels: { system: 'mysql', state: 'CONNECTED' }, value: this.state === 'CONNECTED' ? 1 : 0 });
    m.set('cp_policy_retries_total{policy="auto-recover"}', { labels: { policy: 'auto-recover' }, value: this.retries });
    m.set(P99, { labels: {}, value: this.state === 'DISCONNECTED' ? 2 : 0.05 });
    for (const [k, v] of this.transitions) {
      const [from, to] = k.split('->') as [string, string];
      m.set(`cp_state_transitions_total{system="mysql",to="${to}"}#${from}`, { labels: { system: 'mysql', from, to }, value: v });
    }
    return m;
  }

  plugin(): TesterPlugin {
    return simPlugin(this);
  }

  /** Advances the manual clock until the run finishes. */
  async drive(run: Promise<ScenarioResult>, stepMs = 100, maxMs = 300_000): Promise<ScenarioResult> {
    let done = false;
    void run.then(
      () => (done = true),
      () => (done = true),
    );
    for (let t = 0; !done && t <= maxMs; t += stepMs) await this.clock.advance(stepMs);
    if (!done) throw new Error(`the run did not finish within ${maxMs} ms of manual clock time`);
    return run;
  }
}

function simPlugin(sim: SimControlPlane): TesterPlugin {
  const url = 'http://127.0.0.1:8080';
  return definePlugin({
    name: 'sim-control-plane',
    apiVersion: PLUGIN_API_VERSION,
    observers: {
      api: {
        start(ctx) {
          let last = '';
          let chaos = '';
          let blind = false;
          const seen = new Map<string, string>();
          const poll = () => {
            if (blind) return;
            if (sim.state !== last) {
              ctx.record({ kind: 'system.state', subject: 'mysql', data: { system: 'mysql', state: sim.state, previous: last || undefined }, ref: { type: 'http', method: 'GET', url: `${url}/api/v1/systems/mysql` } });
              last = sim.state;
            }
            for (const e of sim.executions.values()) {
              const sig = `${e.status}/${e.attempts}`;
              if (seen.get(e.id) === sig) continue;
              seen.set(e.id, sig);
              ctx.record({ kind: 'policy.execution', subject: e.policyId, data: { ...e }, ref: { type: 'http', method: 'GET', url: `${url}/api/v1/policies/${e.policyId}/executions` } });
            }
            const c = sim.chaosRecord;
            if (c && c.status !== chaos) {
              chaos = c.status;
              ctx.record({ kind: 'chaos', subject: c.system, data: { ...c }, ref: { type: 'http', method: 'GET', url: `${url}/api/v1/chaos/${c.id}` } });
            }
          };
          for (const [of, ids] of Object.entries(CATALOG))
            ctx.record({ kind: 'catalog', subject: of, data: { of, ids: [...ids] }, ref: { type: 'http', method: 'GET', url: `${url}/api/v1/${of}` } });
          poll();
          for (const b of sim.blackouts.filter((x) => x.source === 'api')) {
            void sim.clock.until(b.from).then(() => {
              blind = true;
              ctx.blind('connection refused');
            });
            void sim.clock.until(b.to).then(() => {
              blind = false;
              ctx.sighted();
              poll();
            });
          }
          const stop = sim.clock.every(POLL_MS, poll);
          return { ready: async () => undefined, barrier: (t, signal) => sim.clock.until(t + POLL_MS, signal).then(poll), stop: async () => stop() };
        },
      },
      kafka: {
        start(ctx) {
          sim.kafka = ctx;
          for (const b of sim.blackouts.filter((x) => x.source === 'kafka')) {
            void sim.clock.until(b.from).then(() => {
              sim.kafkaBlind = true;
              ctx.blind('broker down');
            });
            void sim.clock.until(b.to).then(() => {
              sim.kafkaBlind = false;
              ctx.sighted();
            });
          }
          return { ready: async () => undefined, barrier: async () => undefined, stop: async () => undefined };
        },
      },
      prometheus: {
        start(ctx) {
          const scrape = () => {
            for (const [key, s] of sim.frozen ?? sim.metrics()) {
              const query = key.split('#')[0]!.startsWith('cp_state_transitions_total') ? 'cp_state_transitions_total' : key.split('#')[0]!;
              const ts = sim.clock.wallNow();
              ctx.record({ kind: 'metric.sample', subject: query, data: { query, labels: s.labels, value: s.value, timestamp: ts }, ref: { type: 'promql', url: 'http://127.0.0.1:9090', query, labels: s.labels, value: s.value, timestamp: ts } });
            }
          };
          scrape();
          const stop = sim.clock.every(1000, scrape);
          return { ready: async () => undefined, barrier: (t, signal) => sim.clock.until(t + 1000, signal).then(scrape), stop: async () => stop() };
        },
      },
    },
    actions: {
      CHAOS: {
        schema: z.strictObject({ system: z.string(), fault: z.string(), duration: z.number() }),
        systems: (p: { system: string }) => [p.system],
        injectsFaults: true,
        async run(_ctx, p: { system: string; fault: string; duration: number }) {
          const startedAt = sim.clock.now();
          const ended = sim.chaos(p.system, p.fault, p.duration * 1000);
          return { faults: [{ id: 'c1', system: p.system, fault: p.fault, startedAt, ended }], summary: 'chaos c1' };
        },
      },
    },
  });
}
