import { describe, expect, it } from 'vitest';
import { FakeWorld, drive, scenario } from '../../test/fixtures/fake-world';
import { runScenario } from './run-scenario';

describe('windows and barriers', () => {
  it('an event arriving while the barrier resolves still counts, and resumes settling', async () => {
    const world = new FakeWorld();
    const asked: number[] = [];
    world.barrier = async (t) => {
      asked.push(t);
      // The source delivers a late duplicate while the observer catches up to T (once).
      if (asked.length === 1) world.emit('CONNECTION_LOST', 'mysql');
    };
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock }));
    // The fault ended at 10 s: settled at 12 s; the late event (at 12 s) is activity, so settled again at 14 s.
    expect(asked).toEqual([12_000, 14_000]);
    expect(result.status).toBe('failed');
    expect(result.expectations[0]).toMatchObject({ id: 'states[0]', status: 'passed' });
    expect(result.expectations[1]).toMatchObject({ id: 'events[0]', status: 'failed', message: '2 CONNECTION_LOST, expected 1', decidedAt: 12_000 });
    expect(result.expectations[1]!.evidence).toHaveLength(2);
    expect(result.window).toMatchObject({ settledAt: 14_000, closesAt: 14_000, closed: true });
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
    await world.clock.advance(30_000); // long after T = 12 s, before the 60 s timeout
    expect(asked).toBe(true);
    expect(finished).toBe(false);
    expect(world.log).not.toContain('rollback(chaos)');
    release();
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(result.expectations[1]!.decidedAt).toBe(30_000);
    expect(result.window).toMatchObject({ settledAt: 12_000, closesAt: 12_000, closed: true });
  });

  it('a barrier that never resolves leaves the window open: window expectations are undecided at the timeout, and the reason names the observer', async () => {
    const world = new FakeWorld();
    world.barrier = (_t, signal) => new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const result = await drive(world.clock, runScenario(scenario({ timeoutMs: 20_000 }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.durationMs).toBe(20_000);
    expect(result.window).toMatchObject({ closed: false });
    expect(result.window.closesAt).toBeUndefined();
    // Nothing contradicted them: neither is blamed, neither passed.
    expect(result.expectations.map((e) => e.status)).toEqual(['undecided', 'undecided']);
    const why = 'the window never closed within the 20s timeout: the systems settled at +12s, but observer(s) mem never caught up to its end T = +12s (barrier)';
    expect(result.expectations[1]!.message).toBe(`undecided: ${why}; still waiting for the window to close`);
    expect(result.reason).toMatch(new RegExp(`^${why.replace(/[()+.]/g, '\\$&')}; last changes: `));
  });

  it('a barrier that never resolves, with a contradicted expectation: failed at the timeout, before the window could close', async () => {
    const world = new FakeWorld();
    world.barrier = (_t, signal) => new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const run = runScenario(scenario({ timeoutMs: 20_000 }), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(1_000);
    world.emit('CONNECTION_LOST', 'mysql'); // a duplicate
    const result = await drive(world.clock, run);
    expect(result.status).toBe('failed');
    expect(result.expectations.map((e) => e.status)).toEqual(['undecided', 'failed']);
    expect(result.reason).toBe('timed out after 20s before the window could close; events[0]: 2 CONNECTION_LOST, expected 1');
  });

  it('activity during the quiet period moves T (plus window.after) to after it', async () => {
    const world = new FakeWorld();
    const asked: number[] = [];
    world.barrier = async (t) => void asked.push(t);
    const run = runScenario(scenario({ window: { afterMs: 2_000 } }), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(11_000); // fault ended at 10 s: settled at 12 s, T would be 14 s
    world.setState('mysql', 'DEGRADED'); // at 11 s: settled at 13 s at the earliest
    await world.clock.advance(1_500);
    world.setState('mysql', 'CONNECTED'); // at 12.5 s, still within that quiet period: settled at 14.5 s, T = 16.5 s
    const result = await drive(world.clock, run);
    expect(asked).toEqual([16_500]);
    expect(result.status).toBe('passed');
    expect(result.window).toMatchObject({ settledAt: 14_500, closesAt: 16_500, closed: true });
  });

  it('metric samples are not activity: they do not keep the window open', async () => {
    const world = new FakeWorld();
    const asked: number[] = [];
    world.barrier = async (t) => void asked.push(t);
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(10_500);
    for (let i = 0; i < 3; i++) {
      world.ctx!.record({ kind: 'metric.sample', subject: 'up', data: { system: 'mysql', value: i }, ref: { type: 'custom', summary: 'sample' } });
      await world.clock.advance(500);
    }
    const result = await drive(world.clock, run);
    expect(asked).toEqual([12_000]);
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
      message: 'cannot confirm: observer mem was blind from +2s to +3s (connection refused); it would otherwise have passed: mysql is CONNECTED',
    });
    expect(result.expectations[1]).toMatchObject({ status: 'error', message: expect.stringMatching(/^cannot confirm: observer mem was blind from \+2s to \+3s/) });
    expect(result.observers).toEqual([{ source: 'mem', plugin: 'fake', readyAt: 0, blindSpans: [{ source: 'mem', from: 2_000, to: 3_000, reason: 'connection refused' }] }]);
    expect(result.timeline.filter((o) => o.kind.startsWith('observer.')).map((o) => o.kind)).toEqual(['observer.blind', 'observer.sighted']);
  });

  it('blindness outside the window changes nothing', async () => {
    const world = new FakeWorld();
    world.states.set('mysql', 'RECOVERING');
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    // Blind while the preconditions are awaited, before the first action opens the window.
    world.ctx!.blind('connection refused');
    await world.clock.advance(1_000);
    world.ctx!.sighted();
    await world.clock.advance(1_000);
    world.setState('mysql', 'CONNECTED');
    const result = await drive(world.clock, run);
    expect(result.window.opensAt).toBe(2_000);
    expect(result.status).toBe('passed');
    expect(result.expectations.map((e) => e.status)).toEqual(['passed', 'passed']);
  });

  it('a failure that rests on not having seen something becomes error when its source was blind, one that rests on evidence stays failed', async () => {
    // The states evaluator fails with absence when it never saw the system's state, with evidence otherwise.
    const blindRun = async (system: string) => {
      const world = new FakeWorld();
      world.noRecovery.add('mysql');
      const s = scenario({ expectations: [{ id: 'states[0]', section: 'states', index: 0, plugin: 'fake', item: { system, final_state: 'CONNECTED' }, line: 1, column: 1 }] });
      const run = runScenario(s, { plugins: [world.plugin()], clock: world.clock });
      await world.clock.advance(2_000);
      world.ctx!.blind('connection refused');
      await world.clock.advance(1_000);
      world.ctx!.sighted();
      return drive(world.clock, run);
    };
    const unseen = await blindRun('redis');
    expect(unseen.status).toBe('error');
    expect(unseen.expectations[0]).toMatchObject({
      status: 'error',
      message: 'cannot judge: observer mem was blind from +2s to +3s (connection refused); what was seen: redis ended unknown, expected CONNECTED',
    });
    const seen = await blindRun('mysql');
    expect(seen.status).toBe('failed');
    expect(seen.expectations[0]).toMatchObject({ status: 'failed', message: 'mysql ended DISCONNECTED, expected CONNECTED' });
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
    expect(result.expectations[0]).toMatchObject({ status: 'passed', decidedAt: 12_000 });
  });
});
