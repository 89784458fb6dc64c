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
    expect(world.log).toEqual(['observer.start', 'observer.ready', 'action.run(chaos)', 'observer.barrier(10000)', 'rollback(chaos)', 'observer.stop']);
    expect(result.preconditions).toEqual([expect.objectContaining({ status: 'passed' })]);
    expect(result.actions).toEqual([expect.objectContaining({ id: 'chaos', status: 'passed', summary: 'chaos on mysql for 10000 ms' })]);
    expect(result.rollbacks).toEqual([expect.objectContaining({ actionId: 'chaos', status: 'ok', description: 'end chaos on mysql' })]);
    expect(result.expectations.map((e) => [e.id, e.status])).toEqual([['states[0]', 'passed'], ['events[0]', 'passed']]);
    expect(result.expectations[1]!.evidence.map((o) => o.subject)).toEqual(['CONNECTION_LOST']);
    expect(result.faults).toEqual([expect.objectContaining({ id: 'chaos-chaos', startedAt: 0, endedAt: 10_000 })]);
    expect(result.window).toEqual({ opensAt: 0, closesAt: 10_000, closed: true });
    expect(result.timings).toEqual({ timeToDetectMs: 0, timeToRecoverMs: 0 });
    expect(result.timeline.map((o) => o.kind)).toContain('fault.ended');
    expect(result.runId).toBe('r1');
  });

  it('ends as soon as every expectation is decided, without waiting for a barrier when none needs the window', async () => {
    const world = new FakeWorld();
    const s = scenario({ expectations: [] });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('passed');
    expect(world.log).not.toContain('observer.barrier(10000)');
  });

  it('a window.after span moves T and the barrier asks for it', async () => {
    const world = new FakeWorld();
    const result = await drive(world.clock, runScenario(scenario({ window: { afterMs: 5_000 } }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('passed');
    expect(world.log).toContain('observer.barrier(15000)');
    expect(result.window.closesAt).toBe(15_000);
  });

  it('infers time to recover from the final state after the fault ended', async () => {
    const world = new FakeWorld();
    const plugin = world.plugin();
    const run = runScenario(scenario({ expectations: [{ id: 'states[0]', section: 'states', plugin: 'fake', item: { system: 'mysql', final_state: 'CONNECTED' }, line: 1, column: 1 }] }), {
      plugins: [plugin],
      clock: world.clock,
    });
    world.noRecovery.add('mysql');
    await world.clock.advance(13_000);
    world.setState('mysql', 'CONNECTED'); // the control plane recovers 3 s after the fault ended
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.timings.timeToRecoverMs).toBe(3_000);
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
    expect(result.reason).toBe('precondition not met: mysql.state == CONNECTED is false (observed: mysql=DEGRADED)');
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
});

describe('timeout', () => {
  it('undecided expectations fail at the timeout with what was seen', async () => {
    const world = new FakeWorld();
    world.noRecovery.add('mysql');
    const s = scenario({ timeoutMs: 30_000 });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('failed');
    expect(result.durationMs).toBe(30_000);
    expect(result.expectations[0]).toMatchObject({ status: 'failed', message: 'timed out still waiting for mysql to reach CONNECTED (now DISCONNECTED)' });
    expect(result.reason).toMatch(/^timed out after 30000 ms; states\[0\]: timed out still waiting/);
    expect(result.rollbacks).toEqual([expect.objectContaining({ status: 'ok' })]);
    expect(world.log.at(-1)).toBe('observer.stop');
  });

  it('an observer that never becomes ready is error OBSERVER_NOT_READY at the timeout, and is still stopped', async () => {
    const world = new FakeWorld();
    world.ready = () => new Promise(() => {});
    const result = await drive(world.clock, runScenario(scenario({ timeoutMs: 5_000 }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.reason).toBe('observer(s) mem not ready before the scenario timeout: check that the source is reachable, or raise timeout');
    expect(world.log).toEqual(['observer.start', 'observer.stop']);
  });
});
