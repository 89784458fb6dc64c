/**
 * Every misbehaviour switch, on a simulated control plane, through core's real loader and runtime (settling,
 * barriers, provisional passes, the timeout) on a manual clock: the scenario passes on the healthy system and
 * fails on each broken one, on the expectation that names that fault, with evidence pointing at it, decided on
 * the window closed once the system settled (not at the timeout, where nothing uncontradicted is blamed). A
 * control plane that ignores the fault is caught by core: the scenario is error, whatever the expectations say.
 */
import { parseScenario, type ScenarioResult } from '@tester/core/runner';
import { describe, expect, it } from 'vitest';
import { assertionsPlugin } from '../src/index';
import { SimControlPlane, type Switch } from './sim';

const SCENARIO = `
name: mysql_failure
timeout: 60
preconditions:
  - mysql.state == CONNECTED
actions:
  - type: CHAOS
    system: mysql
    fault: CONNECTION_LOSS
    duration: 2
expectations:
  states:
    - system: mysql
      final_state: CONNECTED
      hold: 1s
    - system: mysql
      within: { state: CONNECTED, after: fault_end, max: 3s }
    - system: mysql
      sources: [api, kafka]
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
    - time_to_detect: { max: 1s }
      time_to_recover: { max: 3s }
`;

async function run(switches: Switch[] = []): Promise<ScenarioResult> {
  const sim = new SimControlPlane(switches);
  const plugins = [sim.plugin(), assertionsPlugin()];
  const loaded = parseScenario(SCENARIO, { file: 'mysql_failure.yaml', plugins });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n'));
  const { runScenario } = await import('@tester/core/runner');
  return sim.drive(runScenario(loaded.scenario, { plugins, clock: sim.clock, runId: 'r1' }));
}

const statuses = (r: ScenarioResult) => Object.fromEntries(r.expectations.map((e) => [e.id, e.status]));
const get = (r: ScenarioResult, id: string) => r.expectations.find((e) => e.id === id)!;

describe('misbehaviour switches on a simulated control plane', () => {
  it('the healthy control plane passes every expectation, on the window closed once it settled', async () => {
    const r = await run();
    expect(r.expectations.filter((e) => e.status !== 'passed').map((e) => `${e.id}: ${e.message}`)).toEqual([]);
    expect(r.expectations).toHaveLength(10);
    expect(r.status).toBe('passed');
    // Recovered at 2.6 s, auto-recover done at 2.75 s (the api's poll): quiet for window.settle (2 s) from then.
    expect(r.window).toMatchObject({ closed: true, settledAt: 4_750 });
  });

  const cases: [Switch, string, RegExp, string][] = [
    ['no-recovery', 'states[0]', /^states: mysql ended DISCONNECTED, expected CONNECTED: DISCONNECTED is a failed state \(seen: CONNECTED → DISCONNECTED\)$/, 'system.state'],
    ['no-recovery', 'policies[1]', /expected auto-recover to end SUCCEEDED, x1 ended FAILED/, 'policy.execution'],
    ['duplicate-events', 'events[0]', /expected CONNECTION_LOST count == 1, saw 2 \(#\d+ kafka control-plane\.events\[0\]@\d+ CONNECTION_LOST id=ev-\d+, #\d+ .*id=ev-\d+\)/, 'event'],
    ['duplicate-events', 'events[2]', /duplicate events by id = "ev-1"/, 'event'],
    ['double-policy', 'policies[0]', /expected auto-recover to fire exactly 1 time, auto-recover fired 2 times/, 'policy.execution'],
    ['wrong-final-state', 'states[0]', /mysql ended DEGRADED, expected CONNECTED/, 'system.state'],
    ['wrong-final-state', 'states[2]', /api and kafka disagree on mysql/, 'system.state'],
    ['missing-events', 'events[1]', /expected CONNECTION_RESTORED count == 1, saw 0/, ''],
    ['late-recovery', 'states[1]', /did not reach CONNECTED within 3s after the fault ended/, 'system.state'],
    ['late-recovery', 'timing[0]', /time to recover mysql from CONNECTION_LOSS: not recovered 3s after the fault ended, still DISCONNECTED/, 'system.state'],
    ['stale-metrics', 'metrics[0]', /increase\(cp_state_transitions_total\{system="mysql",to="CONNECTED"\}\) over the window .* = 0 \(no series existed\), expected >= 1/, ''],
  ];

  for (const [sw, id, message, evidenceKind] of cases) {
    it(`${sw} is caught by ${id}`, async () => {
      const r = await run([sw]);
      const e = get(r, id);
      expect(e.status, `${id}: ${e.message}; all: ${JSON.stringify(statuses(r))}`).toBe('failed');
      expect(e.message).toMatch(message);
      if (evidenceKind) expect(e.evidence.map((o) => o.kind)).toContain(evidenceKind);
      expect(r.status).toBe('failed');
      // Decided on the settled window, not by running out of time; nothing left undecided or in error.
      expect(r.window.closed, r.reason).toBe(true);
      expect(r.durationMs).toBeLessThan(60_000);
      expect(r.expectations.filter((x) => x.status !== 'passed' && x.status !== 'failed').map((x) => `${x.id} ${x.status}: ${x.message}`)).toEqual([]);
    });
  }

  it('ignore-chaos (the fault is reported but never reaches the system) is caught by core: error, not passed', async () => {
    const r = await run(['ignore-chaos']);
    expect(r.status, JSON.stringify(statuses(r))).toBe('error');
    expect(r.reason).toMatch(/^fault c1 \(CONNECTION_LOSS on mysql, action actions\[0\]\) had no observable effect on its system/);
    // The bookkeeping was there: the control plane did report the fault.
    expect(r.timeline.filter((o) => o.kind === 'event').map((o) => o.subject)).toEqual(['CHAOS_STARTED', 'CHAOS_ENDED']);
  });
});
