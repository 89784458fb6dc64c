/**
 * DESIGN.md's verdict rules with the real assertion families, through core's real loader and runtime on the
 * simulated control plane (manual clock): a final state is read once the system settled, not while it passes
 * through; unknown systems and policies are errors before any fault; a system that does not recover fails once
 * it settled, not at the timeout, and only on what the evidence contradicts; at the timeout nothing
 * uncontradicted is blamed (undecided); blindness turns a pass, or a failure by absence, into error; a fault
 * without effect proves nothing. The evaluators only report what they saw (see the unit tests beside each
 * family); these rules are core's, so they are checked on core's result.
 */
import { parseScenario, runScenario, type ExpectationResult, type ProgressEvent, type ScenarioResult } from '@tester/core/runner';
import { describe, expect, it } from 'vitest';
import { assertionsPlugin } from '../src/index';
import { SimControlPlane, type Blackout, type Switch } from './sim';

/** A 2 s CONNECTION_LOSS on mysql, then `expectations` (YAML, indented under `expectations:`). */
function scenario(expectations: string, opts: { timeout?: number; harmless?: boolean } = {}): string {
  return `
name: verdicts
timeout: ${opts.timeout ?? 60}
preconditions:
  - mysql.state == CONNECTED
actions:
  - type: CHAOS
    system: mysql
    fault: CONNECTION_LOSS
    duration: 2${opts.harmless ? '\n    harmless: true' : ''}
expectations:
${expectations.replace(/^\n/, '').trimEnd()}
`;
}

interface Run {
  r: ScenarioResult;
  sim: SimControlPlane;
  /** The expectation progress events, in order: `states[0] passed (provisional)`. */
  progress: string[];
}

async function run(yaml: string, switches: Switch[] = [], blackouts: Blackout[] = []): Promise<Run> {
  const sim = new SimControlPlane(switches, blackouts);
  const plugins = [sim.plugin(), assertionsPlugin()];
  const loaded = parseScenario(yaml, { file: 'verdicts.yaml', plugins });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n'));
  const progress: string[] = [];
  const onProgress = (e: ProgressEvent) => {
    if (e.type === 'expectation') progress.push(`${e.id} ${e.status}${e.provisional ? ' (provisional)' : ''}`);
  };
  const r = await sim.drive(runScenario(loaded.scenario, { plugins, clock: sim.clock, runId: 'r1', onProgress }));
  return { r, sim, progress };
}

const get = (r: ScenarioResult, id: string): ExpectationResult => {
  const e = r.expectations.find((x) => x.id === id);
  if (!e) throw new Error(`no expectation ${id} in ${r.expectations.map((x) => x.id).join(', ')}`);
  return e;
};
const statuses = (r: ScenarioResult) => Object.fromEntries(r.expectations.map((e) => [e.id, e.status]));
const summary = (r: ScenarioResult) => `${r.status}: ${r.reason ?? ''}\n${r.expectations.map((e) => `${e.id} ${e.status}: ${e.message}`).join('\n')}`;

describe('a final state is the state the system settled in, not one it passed through', () => {
  const HEALTHY_PATH = 'CONNECTED → DISCONNECTED → RECOVERING → CONNECTED';

  for (const state of ['DISCONNECTED', 'RECOVERING']) {
    it(`final_state: ${state} fails on a healthy run (${HEALTHY_PATH}), though it held after the fault ended`, async () => {
      const { r, progress } = await run(
        scenario(`
  states:
    - system: mysql
      final_state: ${state}
    - system: mysql
      final_state: CONNECTED
`),
      );
      // It was the state after the fault ended for a while: an early read of the "final" state would have passed.
      expect(progress).toContain('states[0] passed (provisional)');
      expect(r.window.closed, summary(r)).toBe(true);
      expect(get(r, 'states[0]')).toMatchObject({ status: 'failed', message: `states: mysql ended CONNECTED, expected ${state}: CONNECTED is a healthy state (seen: ${HEALTHY_PATH})` });
      expect(get(r, 'states[0]').evidence.map((o) => [o.kind, (o.data as { state: string }).state])).toEqual([['system.state', 'CONNECTED']]);
      expect(get(r, 'states[1]').status).toBe('passed');
      expect(r.status).toBe('failed');
      expect(r.reason).toBe(`states[0]: states: mysql ended CONNECTED, expected ${state}: CONNECTED is a healthy state (seen: ${HEALTHY_PATH})`);
    });
  }

  it('absent: true for the event published on recovery (CONNECTION_RESTORED) fails, as soon as it arrives', async () => {
    const { r } = await run(
      scenario(`
  events:
    - type: CONNECTION_RESTORED
      absent: true
    - type: CONNECTION_LOST
      exists: true
`),
    );
    const e = get(r, 'events[0]');
    expect(e.status, summary(r)).toBe('failed');
    expect(e.message).toMatch(/^events: expected no CONNECTION_RESTORED, saw 1 \(#\d+ kafka control-plane\.events\[0\]@\d+ CONNECTION_RESTORED id=ev-\d+\)$/);
    expect(e.evidence.map((o) => [o.kind, o.subject])).toEqual([['event', 'CONNECTION_RESTORED']]);
    // Decided when the event arrived, not when the window closed.
    expect(e.decidedAt).toBe(e.evidence[0]!.receivedAt);
    expect(e.decidedAt).toBeLessThan(r.window.closesAt!);
    expect(get(r, 'events[1]').status).toBe('passed');
    expect(r.status).toBe('failed');
  });
});

describe('what the control plane does not have is an error before any fault', () => {
  const BESIDES = `
    - system: mysql
      final_state: CONNECTED
`;

  async function unknown(expectations: string) {
    const result = await run(scenario(expectations));
    const { r, sim } = result;
    expect(r.status, summary(r)).toBe('error');
    // Nothing was injected: the action did not run, the control plane saw no chaos, no fault was recorded.
    expect(r.actions).toEqual([expect.objectContaining({ id: 'actions[0]', status: 'not-run' })]);
    expect(r.faults).toEqual([]);
    expect(sim.chaosRecord).toBeUndefined();
    expect(r.timeline.some((o) => o.kind === 'event' && o.subject === 'CHAOS_STARTED')).toBe(false);
    expect(r.window.opensAt).toBeUndefined();
    expect(r.errors).toEqual([]);
    return result;
  }

  it('a system id the catalog does not list, with what exists and "did you mean"', async () => {
    const { r } = await unknown(`
  states:
    - system: mysq1
      final_state: CONNECTED${BESIDES}`);
    const e = get(r, 'states[0]');
    expect(e).toMatchObject({ status: 'error', message: 'states: unknown system "mysq1": api lists mysql; did you mean "mysql"?' });
    expect(e.evidence.map((o) => [o.kind, o.subject])).toEqual([['catalog', 'systems']]);
    expect(r.reason).toBe('nothing was injected: states[0]: states: unknown system "mysq1": api lists mysql; did you mean "mysql"?');
    // The others are not judged: the scenario stopped before the fault.
    expect(get(r, 'states[1]')).toMatchObject({ status: 'error', message: `not decided: ${r.reason}` });
  });

  it('a policy id the catalog does not list, likewise', async () => {
    const { r } = await unknown(`
  policies:
    - policy_id: auto-recovery
      should_fire: true
  states:${BESIDES}`);
    const e = get(r, 'policies[0]');
    expect(e).toMatchObject({ status: 'error', message: 'policies: unknown policy "auto-recovery": api lists auto-recover, failover; did you mean "auto-recover"?' });
    expect(e.evidence.map((o) => [o.kind, o.subject])).toEqual([['catalog', 'policies']]);
    expect(r.reason).toMatch(/^nothing was injected: policies\[0\]: policies: unknown policy "auto-recovery"/);
    expect(get(r, 'states[0]').status).toBe('error');
  });

  it('an absent event on a system that does not exist is an error, not a pass; and so is timing an unknown system', async () => {
    const { r } = await unknown(`
  events:
    - type: CONNECTION_LOST
      system: mysql-9
      absent: true
  timing:
    - system: redis
      time_to_recover: 5s
  states:${BESIDES}`);
    expect(get(r, 'events[0]')).toMatchObject({ status: 'error', message: 'events: unknown system "mysql-9": api lists mysql; did you mean "mysql"?' });
    expect(get(r, 'timing[0]')).toMatchObject({ status: 'error', message: 'timing: unknown system "redis": api lists mysql' });
    expect(r.reason).toMatch(/^nothing was injected: events\[0\]: .*; timing\[0\]: /);
  });
});

/** Contradicted by a system that does not recover, and not. */
const NO_RECOVERY_ITEMS = `
  states:
    - system: mysql
      final_state: CONNECTED
    - system: mysql
      within: { state: CONNECTED, after: fault_end, max: 3s }
    - system: mysql
      sequence: [CONNECTED, DISCONNECTED]
      illegal_states: [DEGRADED]
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
  timing:
    - time_to_detect: { max: 1s }
    - time_to_recover: { max: 3s }
`;

describe('a system that does not recover', () => {
  it('fails soon after it settled, not at the timeout, and only on what the evidence contradicts', async () => {
    const { r } = await run(scenario(NO_RECOVERY_ITEMS, { timeout: 60 }), ['no-recovery']);
    // The fault ends at 2 s, auto-recover gives up (FAILED) at 3 s, then nothing happens: settled 2 s later.
    expect(r.window, summary(r)).toMatchObject({ closed: true, settledAt: 5_000 });
    expect(r.durationMs).toBeLessThan(10_000);
    expect(statuses(r)).toEqual({
      'states[0]': 'failed',
      'states[1]': 'failed',
      'states[2]': 'passed',
      'policies[0]': 'passed',
      'policies[1]': 'failed',
      'events[0]': 'passed',
      'events[1]': 'failed',
      'events[2]': 'passed',
      'timing[0]': 'passed',
      'timing[1]': 'failed',
    });
    expect(get(r, 'states[0]').message).toBe('states: mysql ended DISCONNECTED, expected CONNECTED: DISCONNECTED is a failed state (seen: CONNECTED → DISCONNECTED)');
    expect(get(r, 'policies[1]').message).toMatch(/^policies: expected auto-recover to end SUCCEEDED, x1 ended FAILED/);
    expect(get(r, 'events[1]').message).toBe('events: expected CONNECTION_RESTORED count == 1, saw 0');
    expect(r.status).toBe('failed');
    expect(r.reason).not.toMatch(/timed out|undecided/);
    expect(r.reason).toMatch(/^states\[0\]: .*; states\[1\]: .*; policies\[1\]: .*; events\[1\]: .*; timing\[1\]: /);
  });

  it('that never settles either: at the timeout the contradicted fail, the rest is undecided, not failed', async () => {
    const { r } = await run(scenario(NO_RECOVERY_ITEMS, { timeout: 20 }), ['no-recovery', 'stuck-policy']);
    expect(r.durationMs).toBe(20_000);
    expect(r.window.closed).toBe(false);
    expect(statuses(r), summary(r)).toEqual({
      'states[0]': 'undecided',
      'states[1]': 'failed',
      'states[2]': 'undecided',
      'policies[0]': 'undecided',
      'policies[1]': 'undecided',
      'events[0]': 'undecided',
      'events[1]': 'undecided',
      'events[2]': 'undecided',
      'timing[0]': 'passed',
      'timing[1]': 'failed',
    });
    const why = 'the systems never settled within the 20s timeout (waiting for policy auto-recover execution x1 RUNNING to finish)';
    // Still DISCONNECTED, but the system was still busy: not blamed, and the reason says what it waited for.
    expect(get(r, 'states[0]').message).toBe(`undecided: ${why}; still waiting for mysql to reach CONNECTED (now DISCONNECTED; seen: CONNECTED → DISCONNECTED)`);
    expect(get(r, 'events[0]').message).toBe(`undecided: ${why}; still waiting for the window to close to count CONNECTION_LOST (1 so far)`);
    expect(get(r, 'states[1]').message).toMatch(/^states: mysql did not reach CONNECTED within 3s after the fault ended/);
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/^timed out after 20s before the systems settled; states\[1\]: .*; timing\[1\]: /);
  });

  it('a run that never settles and contradicts nothing is error, never passed: a provisional pass is only undecided', async () => {
    const { r, progress } = await run(
      scenario(`
  states:
    - system: mysql
      final_state: CONNECTED
  events:
    - type: CONNECTION_LOST
      count: 1
`, { timeout: 20 }),
      ['stuck-policy'],
    );
    expect(progress).toContain('states[0] passed (provisional)');
    expect(statuses(r), summary(r)).toEqual({ 'states[0]': 'undecided', 'events[0]': 'undecided' });
    expect(get(r, 'states[0]').message).toMatch(/^undecided: the systems never settled within the 20s timeout .*; so far: states: mysql reached CONNECTED/);
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^the systems never settled within the 20s timeout \(waiting for policy auto-recover execution x1 RUNNING to finish\); last changes: /);
  });
});

describe('blindness is core\'s rule: a pass, or a failure by absence, of a blind source is error', () => {
  it('kafka blind while the connection was lost: what rests on kafka is error, what rests on the api is judged', async () => {
    // 100-300 ms: STATE_CHANGED, CONNECTION_LOST and POLICY_TRIGGERED (at 200 ms) are lost to the kafka observer.
    const { r } = await run(
      scenario(`
  states:
    - system: mysql
      final_state: CONNECTED
  policies:
    - policy_id: auto-recover
      after: { event: CONNECTION_LOST }
  events:
    - type: CONNECTION_LOST
      count: 1
    - type: CONNECTION_RESTORED
      count: 1
`),
      [],
      [{ source: 'kafka', from: 100, to: 300 }],
    );
    const blind = 'observer kafka was blind from +100ms to +300ms (broker down)';
    expect(r.window.closed, summary(r)).toBe(true);
    expect(get(r, 'states[0]').status).toBe('passed');
    // Failures by absence: not seeing is no evidence while blind.
    expect(get(r, 'events[0]')).toMatchObject({ status: 'error', message: `cannot judge: ${blind}; what was seen: events: expected CONNECTION_LOST count == 1, saw 0` });
    expect(get(r, 'policies[0]')).toMatchObject({ status: 'error', message: expect.stringMatching(new RegExp(`^cannot judge: ${blind.replace(/[()+]/g, '\\$&')}; what was seen: policies: auto-recover fired at \\+\\d+ms without a CONNECTION_LOST event`)) });
    // A pass: the restored event was seen, but the window had a blind span.
    expect(get(r, 'events[1]')).toMatchObject({ status: 'error', message: expect.stringMatching(new RegExp(`^cannot confirm: ${blind.replace(/[()+]/g, '\\$&')}; it would otherwise have passed: events: CONNECTION_RESTORED count == 1`)) });
    expect(r.status).toBe('error');
  });

  it('a failure on what was seen stays failed whatever the blindness (duplicate-events)', async () => {
    const { r } = await run(
      scenario(`
  events:
    - no_duplicates: true
    - type: CONNECTION_RESTORED
      exists: true
`),
      ['duplicate-events'],
      [{ source: 'kafka', from: 100, to: 300 }],
    );
    expect(get(r, 'events[0]'), summary(r)).toMatchObject({ status: 'failed', message: expect.stringMatching(/^events: duplicate events by id = "ev-\d+"/) });
    expect(get(r, 'events[1]').status).toBe('error');
    expect(r.status).toBe('failed');
  });

  it('the api blind during the window: "did not fire" and the measured times cannot be confirmed', async () => {
    const { r } = await run(
      scenario(`
  policies:
    - policy_id: failover
      should_fire: false
  timing:
    - time_to_detect: { max: 1s }
  events:
    - type: CONNECTION_LOST
      count: 1
`),
      [],
      [{ source: 'api', from: 1000, to: 1500 }],
    );
    const blind = 'observer api was blind from +1s to +1.5s (connection refused)';
    expect(get(r, 'policies[0]'), summary(r)).toMatchObject({ status: 'error', message: `cannot confirm: ${blind}; it would otherwise have passed: policies: failover did not fire` });
    expect(get(r, 'timing[0]')).toMatchObject({ status: 'error', message: expect.stringContaining(`cannot confirm: ${blind}; it would otherwise have passed: timing: time to detect`) });
    // kafka was not blind: its expectation is judged.
    expect(get(r, 'events[0]').status).toBe('passed');
    expect(r.status).toBe('error');
  });

  // Core's rule: a failure decided on a closed window that one of its sources could not see all of is error.
  it('states sources [api, kafka]: a transition lost to a blind kafka is error, not failed', async () => {
    const { r } = await run(scenario('\n  states:\n    - system: mysql\n      sources: [api, kafka]\n'), [], [{ source: 'kafka', from: 2200, to: 2400 }]);
    expect(get(r, 'states[0]').status).toBe('error');
  });

  it('without a blind span the same expectations pass (the errors above come from the blindness)', async () => {
    const { r } = await run(
      scenario(`
  policies:
    - policy_id: failover
      should_fire: false
    - policy_id: auto-recover
      after: { event: CONNECTION_LOST }
  timing:
    - time_to_detect: { max: 1s }
  events:
    - type: CONNECTION_LOST
      count: 1
    - type: CONNECTION_RESTORED
      count: 1
`),
    );
    expect(r.status, summary(r)).toBe('passed');
  });
});

describe('a fault without effect proves nothing', () => {
  const WOULD_PASS = `
  states:
    - system: mysql
      final_state: CONNECTED
  policies:
    - policy_id: failover
      should_fire: false
  events:
    - no_duplicates: true
`;

  it('the control plane reports the fault (chaos records, CHAOS_STARTED/CHAOS_ENDED) and nothing else happens: error, though every expectation passed', async () => {
    const { r } = await run(scenario(WOULD_PASS), ['ignore-chaos']);
    expect(r.timeline.filter((o) => o.kind === 'chaos').map((o) => (o.data as { status: string }).status)).toEqual(['ACTIVE', 'EXPIRED']);
    expect(r.timeline.filter((o) => o.kind === 'event').map((o) => o.subject)).toEqual(['CHAOS_STARTED', 'CHAOS_ENDED']);
    expect(r.expectations.map((e) => e.status), summary(r)).toEqual(['passed', 'passed', 'passed']);
    expect(r.status).toBe('error');
    expect(r.reason).toBe(
      'fault c1 (CONNECTION_LOSS on mysql, action actions[0]) had no observable effect on its system (nothing but the fault\'s own bookkeeping was observed): ' +
        'the scenario proves nothing. Check that the fault reaches the system, or declare it expected with harmless: true on the action',
    );
  });

  it('it is error whatever the expectations say, and passes when declared harmless', async () => {
    const failing = await run(scenario(`${WOULD_PASS}    - type: CONNECTION_LOST\n      exists: true\n`), ['ignore-chaos']);
    expect(get(failing.r, 'events[1]').status).toBe('failed');
    expect(failing.r.status).toBe('error');
    expect(failing.r.reason).toMatch(/^fault c1 .* had no observable effect/);
    const harmless = await run(scenario(WOULD_PASS, { harmless: true }), ['ignore-chaos']);
    expect(harmless.r.status, summary(harmless.r)).toBe('passed');
  });

  it('the healthy control plane\'s fault has an effect: the same scenario passes', async () => {
    const { r } = await run(scenario(WOULD_PASS));
    expect(r.status, summary(r)).toBe('passed');
  });
});
