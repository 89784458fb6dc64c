import { describe, expect, it } from 'vitest';
import { FakeWorld, drive, scenario } from '../../test/fixtures/fake-world';
import { runScenario } from './run-scenario';

describe('windows and barriers', () => {
  it('an event arriving after the positive expectations passed but before the barrier resolves still counts', async () => {
    const world = new FakeWorld();
    world.barrier = async (t) => {
      // The source delivers a late duplicate while the observer catches up to T.
      expect(t).toBe(10_000);
      world.emit('CONNECTION_LOST', 'mysql');
    };
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('failed');
    expect(result.expectations[0]).toMatchObject({ id: 'states[0]', status: 'passed' });
    expect(result.expectations[1]).toMatchObject({ id: 'events[0]', status: 'failed', message: '2 CONNECTION_LOST, expected 1' });
    expect(result.expectations[1]!.evidence).toHaveLength(2);
  });

  it('the run does not end before every barrier resolves', async () => {
    const world = new FakeWorld();
    let release!: () => void;
    let asked = false;
    world.barrier = () => {
      asked = true;
      return new Promise<void>((resolve) => (release = resolve));
    };
    let finished = false;
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    void run.then(() => (finished = true));
    await world.clock.advance(30_000); // long after T = 10 s, before the 60 s timeout
    expect(asked).toBe(true);
    expect(finished).toBe(false);
    expect(world.log).not.toContain('rollback(chaos)');
    release();
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.expectations[1]!.decidedAt).toBe(30_000);
    expect(result.window).toMatchObject({ closesAt: 10_000, closed: true });
  });

  it('a barrier that never resolves leaves the window open: count expectations fail at the timeout', async () => {
    const world = new FakeWorld();
    world.barrier = (_t, signal) => new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const result = await drive(world.clock, runScenario(scenario({ timeoutMs: 20_000 }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('failed');
    expect(result.window.closed).toBe(false);
    expect(result.expectations[1]).toMatchObject({ status: 'failed', message: 'timed out still waiting for the window to close' });
  });

  it('a provisional pass that is lost again moves T to when it passes again', async () => {
    const world = new FakeWorld();
    const asked: number[] = [];
    world.barrier = async (t) => void asked.push(t);
    const run = runScenario(scenario({ window: { afterMs: 2_000 } }), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(11_000); // fault ended at 10 s, T would be 12 s
    world.setState('mysql', 'DEGRADED');
    await world.clock.advance(4_000);
    world.setState('mysql', 'CONNECTED'); // at 15 s: T = 17 s
    const result = await drive(world.clock, run);
    expect(asked).toEqual([17_000]);
    expect(result.status).toBe('passed');
  });

  it('a pass whose source was blind during the window becomes error', async () => {
    const world = new FakeWorld();
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(2_000);
    world.ctx!.blind('connection refused');
    await world.clock.advance(1_000);
    world.ctx!.sighted();
    const result = await drive(world.clock, run);
    expect(result.status).toBe('error');
    expect(result.expectations[0]).toMatchObject({
      status: 'error',
      message: 'cannot confirm: observer mem was blind during the window (connection refused); it would otherwise have passed: mysql is CONNECTED',
    });
    expect(result.observers).toEqual([{ source: 'mem', plugin: 'fake', readyAt: 0, blindSpans: [{ source: 'mem', from: 2_000, to: 3_000, reason: 'connection refused' }] }]);
    expect(result.timeline.filter((o) => o.kind.startsWith('observer.')).map((o) => o.kind)).toEqual(['observer.blind', 'observer.sighted']);
  });

  it('a pass an evaluator keeps calling provisional counts as a pass once the window is closed', async () => {
    const world = new FakeWorld();
    const plugin = world.plugin();
    const states = plugin.assertions!.states!;
    const create = states.create.bind(states);
    states.create = (item, ctx) => {
      const inner = create(item, ctx);
      return { ...inner, observe: inner.observe?.bind(inner), verdict: (c) => {
        const v = inner.verdict(c);
        return v.status === 'passed' ? { ...v, provisional: true } : v;
      } };
    };
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [plugin], clock: world.clock }));
    expect(result.status).toBe('passed');
    expect(result.expectations[0]).toMatchObject({ status: 'passed', decidedAt: 10_000 });
  });
});
