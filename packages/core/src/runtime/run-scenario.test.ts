import { describe, expect, it } from 'vitest';
import { FakeWorld, drive, scenario } from '../../test/fixtures/fake-world';
import { runScenario } from './run-scenario';

describe('runScenario lifecycle', () => {
  it('runs ready -> preconditions -> actions -> evaluation -> barriers -> rollbacks -> stop, and passes', async () => {
    const world = new FakeWorld();
    const phases: string[] = [];
    const result = await drive(
      world.clock,
      runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock, runId: 'r1', onProgress: (e) => e.type === 'phase' && phases.push(e.phase) }),
    );
    expect(result.status).toBe('passed');
    expect(result.reason).toBeUndefined();
    expect(phases).toEqual(['observers', 'preconditions', 'actions', 'evaluation', 'barriers', 'evaluation', 'rollbacks', 'stopping']);
    // The fault ends at 10 s; the system is quiet from then on, so it settled at 10 s + settle (2 s).
    expect(world.log).toEqual(['observer.start', 'observer.ready', 'action.run(chaos)', 'observer.barrier(12000)', 'rollback(chaos)', 'observer.stop']);
    expect(result.preconditions).toEqual([expect.objectContaining({ status: 'passed' })]);
    expect(result.actions).toEqual([expect.objectContaining({ id: 'chaos', status: 'passed', summary: 'chaos on mysql for 10000 ms' })]);
    expect(result.rollbacks).toEqual([expect.objectContaining({ actionId: 'chaos', status: 'ok', description: 'end chaos on mysql' })]);
    expect(result.expectations.map((e) => [e.id, e.status])).toEqual([['states[0]', 'passed'], ['events[0]', 'passed']]);
    expect(result.expectations[1]!.evidence.map((o) => o.subject)).toEqual(['CONNECTION_LOST']);
    expect(result.faults).toEqual([expect.objectContaining({ id: 'chaos-chaos', startedAt: 0, endedAt: 10_000 })]);
    expect(result.window).toMatchObject({ opensAt: 0, settledAt: 12_000, closesAt: 12_000, closed: true, settleMs: 2_000, afterMs: 0 });
    expect(result.durationMs).toBe(12_000);
    expect(result.timings).toEqual({ timeToDetectMs: 0, timeToRecoverMs: 0 });
    expect(result.timeline.map((o) => o.kind)).toContain('fault.ended');
    expect(result.runId).toBe('r1');
  });

  it('an action with after_fault runs once that fault ended, not as soon as it is in place', async () => {
    const world = new FakeWorld();
    const base = scenario();
    const repair = { id: 'repair', type: 'CHAOS', plugin: 'fake', params: { system: 'mysql', fault: 'LATENCY', duration: 1_000 }, afterFault: 'chaos', line: 2, column: 1 };
    const result = await drive(world.clock, runScenario({ ...base, actions: [...base.actions, repair] }, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.actions.map((a) => [a.id, a.status, a.startedAt])).toEqual([['chaos', 'passed', 0], ['repair', 'passed', 10_000]]);
    expect(result.faults.map((f) => [f.actionId, f.startedAt, f.endedAt])).toEqual([['chaos', 0, 10_000], ['repair', 10_000, 11_000]]);
  });

  it('the window closes when the systems settled, whatever the expectations (none here)', async () => {
    const world = new FakeWorld();
    const s = scenario({ expectations: [] });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('passed');
    expect(world.log).toContain('observer.barrier(12000)');
    expect(result.window.closed).toBe(true);
  });

  it('a window.after span moves T and the barrier asks for it', async () => {
    const world = new FakeWorld();
    const result = await drive(world.clock, runScenario(scenario({ window: { afterMs: 5_000 } }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('passed');
    expect(world.log).toContain('observer.barrier(17000)');
    expect(result.window).toMatchObject({ settledAt: 12_000, closesAt: 17_000 });
  });

  it('window.settle sets the quiet period, and the scenario overrides the run default', async () => {
    const world = new FakeWorld();
    const result = await drive(world.clock, runScenario(scenario({ window: { afterMs: 0, settleMs: 4_000 } }), { plugins: [world.plugin()], clock: world.clock, settleMs: 1_000 }));
    expect(result.window).toMatchObject({ settledAt: 14_000, closesAt: 14_000, settleMs: 4_000 });
    const world2 = new FakeWorld();
    const result2 = await drive(world2.clock, runScenario(scenario(), { plugins: [world2.plugin()], clock: world2.clock, settleMs: 1_000 }));
    expect(result2.window).toMatchObject({ settledAt: 11_000, settleMs: 1_000 });
  });

  it('infers time to recover from the final state after the fault ended', async () => {
    const world = new FakeWorld();
    const plugin = world.plugin();
    const run = runScenario(scenario({ expectations: [{ id: 'states[0]', section: 'states', index: 0, plugin: 'fake', item: { system: 'mysql', final_state: 'CONNECTED' }, line: 1, column: 1 }] }), {
      plugins: [plugin],
      clock: world.clock,
    });
    world.noRecovery.add('mysql');
    await world.clock.advance(11_500);
    world.setState('mysql', 'CONNECTED'); // the control plane recovers 1.5 s after the fault ended
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.timings.timeToRecoverMs).toBe(1_500);
  });
});

describe('observers see urgency, and the timeline cap keeps evidence', () => {
  it('urgent() is true from the first action until every expectation is decided', async () => {
    const world = new FakeWorld();
    const seen: boolean[] = [];
    const plugin = world.plugin();
    const start = plugin.observers!.mem!.start;
    plugin.observers!.mem!.start = async (ctx) => {
      const session = await start(ctx);
      seen.push(ctx.urgent());
      void (async () => {
        while (!ctx.signal.aborted) {
          await ctx.urgencyChanged();
          if (!ctx.signal.aborted) seen.push(ctx.urgent());
        }
      })();
      return session;
    };
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [plugin], clock: world.clock }));
    expect(result.status).toBe('passed');
    expect(seen).toEqual([false, true, false]);
  });

  it('with a small cap, unrelated observations are dropped but evidence is kept', async () => {
    const world = new FakeWorld();
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock, timelineCap: 5 });
    await world.clock.advance(1_000);
    for (let i = 0; i < 50; i++) world.ctx!.record({ kind: 'metric.sample', subject: 'q', data: { i }, ref: { type: 'custom', summary: 'noise' } });
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.timelineDropped).toBeGreaterThan(40);
    expect(result.expectations[1]!.evidence.map((o) => o.subject)).toEqual(['CONNECTION_LOST']);
    expect(result.timeline.length).toBeLessThan(15);
  });
});

describe('preconditions', () => {
  it('an unmet precondition is error and no action runs', async () => {
    const world = new FakeWorld();
    world.states.set('mysql', 'DEGRADED');
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    // Awaited up to the bound (15 s, at most half the 60 s timeout) before giving up.
    expect(result.reason).toBe('precondition not met: mysql.state == CONNECTED is false (observed: mysql=DEGRADED); waited 15s');
    expect(result.preconditionsWaitedMs).toBe(15_000);
    expect(world.log).toEqual(['observer.start', 'observer.ready', 'observer.stop']);
    expect(result.actions).toEqual([expect.objectContaining({ id: 'chaos', status: 'not-run' })]);
    expect(result.rollbacks).toEqual([]);
    expect(result.expectations.every((e) => e.status === 'error')).toBe(true);
  });

  it('a precondition over an unknown system is error, naming what was observed', async () => {
    const world = new FakeWorld();
    const s = scenario({ preconditions: [{ expression: 'systems["mysql-2"].state == CONNECTED', line: 3, column: 5 }] });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.preconditions[0]).toMatchObject({ status: 'error', line: 3, column: 5 });
    expect(result.preconditions[0]!.message).toContain('(observed: mysql=CONNECTED)');
    expect(world.log).not.toContain('action.run(chaos)');
  });

  it("work still in progress on the systems (a previous scenario's drift being reconciled) is awaited before any action", async () => {
    const world = new FakeWorld();
    const drift = (drifted: boolean) =>
      world.ctx!.record({ kind: 'drift', subject: 'mysql.max_connections', data: { resource: 'mysql.max_connections', drifted }, ref: { type: 'custom', summary: 'drift' } });
    world.ready = async () => void drift(true);
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(2_500);
    expect(world.log).not.toContain('action.run(chaos)');
    drift(false);
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.preconditionsWaitedMs).toBe(2_500);
  });

  it('work that never finishes makes the scenario error before any action, saying what was busy', async () => {
    const world = new FakeWorld();
    world.ready = async () =>
      void world.ctx!.record({ kind: 'policy.execution', subject: 'auto-recover', data: { id: 'e1', policyId: 'auto-recover', system: 'mysql', status: 'RUNNING' }, ref: { type: 'custom', summary: 'exec' } });
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    const result = await drive(world.clock, run);
    expect(result.status).toBe('error');
    expect(result.reason).toBe("the scenario's systems were still busy before any action: policy auto-recover execution e1 RUNNING (waited 15s)");
    expect(world.log).not.toContain('action.run(chaos)');
  });

  it('a precondition that comes true while waiting is awaited, not failed (the previous scenario still recovering)', async () => {
    const world = new FakeWorld();
    world.states.set('mysql', 'RECOVERING');
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(3_000);
    world.setState('mysql', 'CONNECTED');
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.preconditionsWaitedMs).toBe(3_000);
    expect(result.window.opensAt).toBe(3_000);
  });
});

describe('settled windows and the timeout', () => {
  it('a system that never recovers fails once it settled, not at the timeout', async () => {
    const world = new FakeWorld();
    world.noRecovery.add('mysql');
    const s = scenario({ timeoutMs: 30_000 });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('failed');
    expect(result.durationMs).toBe(12_000);
    expect(result.expectations[0]).toMatchObject({ status: 'failed', message: 'mysql ended DISCONNECTED, expected CONNECTED' });
    expect(result.expectations[1]).toMatchObject({ status: 'passed' });
    expect(result.reason).toBe('states[0]: mysql ended DISCONNECTED, expected CONNECTED');
    expect(result.rollbacks).toEqual([expect.objectContaining({ status: 'ok' })]);
    expect(world.log.at(-1)).toBe('observer.stop');
  });

  it('a final state the system only passes through is not read before it settles', async () => {
    const world = new FakeWorld();
    const s = scenario({ expectations: [{ id: 'states[0]', section: 'states', index: 0, plugin: 'fake', item: { system: 'mysql', final_state: 'DISCONNECTED' }, line: 1, column: 1 }] });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('failed');
    expect(result.expectations[0]).toMatchObject({ status: 'failed', message: 'mysql ended CONNECTED, expected DISCONNECTED' });
  });

  it('activity keeps the window open: a state change during the quiet period restarts settling', async () => {
    const world = new FakeWorld();
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(11_000);
    world.setState('mysql', 'DEGRADED');
    await world.clock.advance(500);
    world.setState('mysql', 'CONNECTED');
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.window).toMatchObject({ settledAt: 13_500 });
  });

  it('a system that never settles: nothing contradicted is undecided, and the scenario is error with its last changes', async () => {
    const world = new FakeWorld();
    const run = runScenario(scenario({ timeoutMs: 30_000 }), { plugins: [world.plugin()], clock: world.clock });
    let flapping = true;
    void (async () => {
      for (let i = 0; flapping; i++) {
        await world.clock.until(world.clock.now() + 1_000);
        if (world.ctx) world.setState('mysql', i % 2 ? 'CONNECTED' : 'DEGRADED');
      }
    })();
    const result = await drive(world.clock, run);
    flapping = false;
    expect(result.status).toBe('error');
    expect(result.durationMs).toBe(30_000);
    expect(result.expectations.map((e) => e.status)).toEqual(['undecided', 'undecided']);
    expect(result.expectations[1]!.message).toMatch(/^undecided: the systems never settled within the 30s timeout .*still waiting for the window to close/);
    expect(result.reason).toMatch(/^the systems never settled within the 30s timeout \(waiting for no activity for 2000 ms.*\); last changes: .*system\.state mysql/);
  });

  it('at the timeout a contradicted expectation fails and is the only one blamed', async () => {
    const world = new FakeWorld();
    const s = scenario({
      timeoutMs: 30_000,
      expectations: [
        { id: 'states[0]', section: 'states', index: 0, plugin: 'fake', item: { system: 'mysql', final_state: 'CONNECTED' }, line: 1, column: 1 },
        { id: 'events[0]', section: 'events', index: 0, plugin: 'fake', item: { type: 'CONNECTION_LOST', count: 0 }, line: 2, column: 1 },
      ],
      actions: [{ id: 'chaos', type: 'CHAOS', plugin: 'fake', params: { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 60_000 }, line: 1, column: 1 }],
    });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('failed');
    expect(result.expectations.map((e) => e.status)).toEqual(['undecided', 'failed']);
    expect(result.reason).toBe('timed out after 30s before the systems settled; events[0]: 1 CONNECTION_LOST, expected 0');
  });

  it('a fault with no observable effect makes the scenario error, unless declared harmless', async () => {
    const world = new FakeWorld();
    world.ignoreChaos.add('mysql');
    const result = await drive(world.clock, runScenario(scenario({ expectations: [] }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.reason).toMatch(/^fault chaos-chaos \(CONNECTION_LOSS on mysql, action chaos\) had no observable effect .*harmless: true/);
    const world2 = new FakeWorld();
    world2.ignoreChaos.add('mysql');
    const harmless = scenario({ expectations: [], actions: [{ ...scenario().actions[0]!, harmless: true }] });
    const result2 = await drive(world2.clock, runScenario(harmless, { plugins: [world2.plugin()], clock: world2.clock }));
    expect(result2.status).toBe('passed');
  });

});

describe('timeout', () => {
  it('an observer that never becomes ready is error OBSERVER_NOT_READY at the timeout, and is still stopped', async () => {
    const world = new FakeWorld();
    world.ready = () => new Promise(() => {});
    const result = await drive(world.clock, runScenario(scenario({ timeoutMs: 5_000 }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.reason).toBe('observer(s) mem not ready before the scenario timeout: check that the source is reachable, or raise timeout');
    expect(world.log).toEqual(['observer.start', 'observer.stop']);
  });
});
