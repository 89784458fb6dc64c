/**
 * End to end: the real reference control plane (a private instance per case, with its own topic, database and
 * Prometheus), the real observers and core's runtime. One scenario passes on the healthy control plane and
 * fails on each misbehaviour switch, on the expectation that names that fault, with evidence pointing at it.
 */
import { expectResultReplays } from '../../../scripts/test-support/replay.mjs';
import { type TesterPlugin } from '@tester/core';
import { parseScenario, replayScenario, runScenario, type ScenarioResult } from '@tester/core/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStack, startControlPlane, startPrometheus, type StackInfo } from '../../../scripts/stack/index.mjs';
import { assertionsPlugin } from '../src/index';
import { loadObservers } from './observers';

const SCENARIO = `
name: mysql_failure_switches
timeout: 30
# A second past T: the Prometheus observer's barrier may resolve on a scrape whose samples are not queryable yet.
window: { after: 2s }
preconditions:
  - mysql.state == CONNECTED
actions:
  - type: CHAOS
    system: mysql
    fault: CONNECTION_LOSS
    duration: 3
expectations:
  states:
    - system: mysql
      final_state: CONNECTED
    - system: mysql
      within: { state: CONNECTED, after: fault_end, max: 5s }
  policies:
    - policy_id: auto-recover
      times: 1
    - policy_id: auto-recover
      outcome: SUCCEEDED
  events:
    - type: CONNECTION_LOST
      count: 1
    - type: CONNECTION_RESTORED
      count: 1
    - no_duplicates: true
  metrics:
    - name: cp_state_transitions_total
      labels: { system: mysql, to: CONNECTED }
      increase: window
      value: ">= 1"
  timing:
    - time_to_recover: { max: 5s }
`;

/** Many more keys, each of which a healthy control plane must satisfy (so none of them is too strict for reality). */
const HEALTHY_EXTRAS = `
  - system: mysql
    sources: [api, kafka]
    sequence: [CONNECTED, DISCONNECTED, CONNECTED]
    illegal_states: [DEGRADED]
    max_duration: { DISCONNECTED: 10s }
`;
const HEALTHY_MORE = `
  policies:
    - policy_id: auto-recover
      should_fire: true
      within: { after: fault_start, max: 3s }
      max_attempts: 10
      after: { event: CONNECTION_LOST }
    - policy_id: failover
      should_fire: false
  events:
    - order: [CONNECTION_LOST, CONNECTION_RESTORED]
      system: mysql
    - type: STATE_CHANGED
      where: { payload.to: DISCONNECTED }
      min_count: 1
      within: 2s
    - type: POLICY_SUCCEEDED
      where: 'payload.policyId == "auto-recover"'
      exists: true
    - type: POLICY_FAILED
      absent: true
      system: mysql
  metrics:
    - name: cp_system_state
      labels: { system: mysql, state: CONNECTED }
      value: "== 1"
    - name: cp_system_state
      labels: { system: mysql, state: DEGRADED }
      during: window
      value: "== 0"
  timing:
    - time_to_detect: { max: 2s }
`;

let stack: StackInfo;
let observers: Awaited<ReturnType<typeof loadObservers>>;
beforeAll(async () => {
  observers = await loadObservers();
  stack = await ensureStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function run(misbehave: string[], scenario = SCENARIO): Promise<ScenarioResult> {
  const cp = await startControlPlane({ misbehave, systems: 1, kafkaBootstrap: stack.kafka.bootstrap, mariadb: stack.mariadb });
  const prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
  const { apiPlugin, kafkaPlugin, prometheusPlugin } = observers;
  try {
    // No queries configured: the metrics expectations declare theirs as interests, and core hands them to the
    // Prometheus observer before it starts, so they are sampled from before the fault.
    const plugins: TesterPlugin[] = [
      apiPlugin({ baseUrl: cp.url, poll: { fastInterval: '100ms' } }),
      kafkaPlugin({ brokers: stack.kafka.bootstrap, topics: [cp.topic] }),
      prometheusPlugin({ url: prom.url }),
      assertionsPlugin(),
    ];
    const loaded = parseScenario(scenario, { file: 'switches.yaml', plugins });
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n'));
    const live = await runScenario(loaded.scenario, { plugins });
    expectResultReplays(live, (recorded) => replayScenario(loaded.scenario, recorded, { plugins }));
    return live;
  } finally {
    await prom.stop();
    await cp.stop();
  }
}

const summary = (r: ScenarioResult) => r.expectations.map((e) => `${e.id} ${e.status}: ${e.message}`).join('\n');
const get = (r: ScenarioResult, id: string) => r.expectations.find((e) => e.id === id)!;

describe('each misbehaviour switch is caught on the real control plane', () => {
  it('the healthy control plane passes', { timeout: 120_000 }, async () => {
    const r = await run([]);
    expect(r.status, summary(r)).toBe('passed');
  });

  it('a scenario using many more keys passes on the healthy control plane', { timeout: 120_000 }, async () => {
    const more = SCENARIO.replace('  states:\n', `  states:${HEALTHY_EXTRAS.replace(/^/gm, '  ').trimEnd()}\n`).replace(/\n {2}policies:[\s\S]*$/, HEALTHY_MORE);
    const r = await run([], more);
    expect(r.expectations.length).toBe(12);
    expect(r.status, summary(r)).toBe('passed');
  });

  const cases: [string, string, RegExp, string][] = [
    ['no-recovery', 'policies[1]', /expected auto-recover to end SUCCEEDED, .* ended FAILED/, 'policy.execution'],
    ['duplicate-events', 'events[0]', /expected CONNECTION_LOST count == 1, saw 2 \(#\d+ kafka .* CONNECTION_LOST id=(\S+), #\d+ kafka .* CONNECTION_LOST id=\1\)/, 'event'],
    ['double-policy', 'policies[0]', /expected auto-recover to fire exactly 1 time, auto-recover fired 2 times/, 'policy.execution'],
    ['wrong-final-state', 'states[0]', /mysql ended DEGRADED, expected CONNECTED/, 'system.state'],
    ['missing-events', 'events[1]', /expected CONNECTION_RESTORED count == 1, saw 0/, ''],
    ['late-recovery', 'states[1]', /did not reach CONNECTED within 5s after the fault ended/, 'system.state'],
    ['stale-metrics', 'metrics[0]', /increase\(cp_state_transitions_total\{system="mysql",to="CONNECTED"\}\) over the window .*= 0.*expected >= 1/, ''],
  ];

  for (const [sw, id, message, evidenceKind] of cases) {
    it(`${sw} is caught by ${id}`, { timeout: 120_000 }, async () => {
      const r = await run([sw]);
      const e = get(r, id);
      expect(e.status, summary(r)).toBe('failed');
      expect(e.message).toMatch(message);
      if (evidenceKind) expect(e.evidence.map((o) => o.kind)).toContain(evidenceKind);
    });
  }

  it('ignore-chaos (the fault is reported, never applied) is caught by core: a fault without effect is error', { timeout: 120_000 }, async () => {
    const r = await run(['ignore-chaos']);
    expect(r.status, summary(r)).toBe('error');
    expect(r.reason).toMatch(/^fault \S+ \(CONNECTION_LOSS on mysql, action actions\[0\]\) had no observable effect on its system/);
  });

  it('a system the control plane does not list is error before any fault, with "did you mean"', { timeout: 120_000 }, async () => {
    const r = await run([], SCENARIO.replace('    - system: mysql\n      final_state: CONNECTED', '    - system: mysql-9\n      final_state: CONNECTED'));
    expect(get(r, 'states[0]'), summary(r)).toMatchObject({ status: 'error', message: 'states: unknown system "mysql-9": api lists mysql; did you mean "mysql"?' });
    expect(get(r, 'states[0]').evidence.map((o) => o.kind)).toEqual(['catalog']);
    expect(r.status).toBe('error');
    expect(r.actions.map((a) => a.status)).toEqual(['not-run']);
    expect(r.faults).toEqual([]);
  });
});
