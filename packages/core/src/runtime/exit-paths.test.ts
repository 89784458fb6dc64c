import { describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION, definePlugin } from '../contract';
import { z } from 'zod';
import { FakeWorld, drive, scenario } from '../../test/fixtures/fake-world';
import { runScenario } from './run-scenario';
import { createMemoryLedger } from '../ledger';

const twoActions = (second: { type: string; params: unknown }) =>
  scenario({
    actions: [
      { id: 'chaos', type: 'CHAOS', plugin: 'fake', params: { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 10_000 }, line: 1, column: 1 },
      { id: 'second', type: second.type, plugin: 'fake', params: second.params, line: 2, column: 1 },
    ],
  });

describe('rollbacks run on every exit path', () => {
  it('pass', async () => {
    const world = new FakeWorld();
    const ledger = createMemoryLedger();
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock, ledger }));
    expect(result.status).toBe('passed');
    expect(result.rollbacks.map((r) => r.status)).toEqual(['ok']);
    expect(ledger.entries).toEqual([]); // struck off after the rollback
  });

  it('fail (a count exceeded)', async () => {
    const world = new FakeWorld();
    const run = runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(1_000);
    world.emit('CONNECTION_LOST', 'mysql'); // a duplicate
    const result = await drive(world.clock, run);
    expect(result.status).toBe('failed');
    expect(result.expectations[1]).toMatchObject({ status: 'failed', message: '2 CONNECTION_LOST, expected 1' });
    expect(result.rollbacks.map((r) => r.status)).toEqual(['ok']);
  });

  it('timeout (the systems never settle: the fault outlasts the timeout)', async () => {
    const world = new FakeWorld();
    const s = scenario({
      timeoutMs: 20_000,
      actions: [{ id: 'chaos', type: 'CHAOS', plugin: 'fake', params: { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 60_000 }, line: 1, column: 1 }],
    });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.reason).toMatch(/^the systems never settled within the 20s timeout/);
    expect(result.durationMs).toBe(20_000);
    expect(result.rollbacks.map((r) => r.status)).toEqual(['ok']);
    expect(world.log.slice(-2)).toEqual(['rollback(chaos)', 'observer.stop']);
  });

  it('timeout with a contradicted expectation: failed, and the rollbacks still run', async () => {
    const world = new FakeWorld();
    const s = scenario({
      timeoutMs: 20_000,
      actions: [{ id: 'chaos', type: 'CHAOS', plugin: 'fake', params: { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 60_000 }, line: 1, column: 1 }],
    });
    const run = runScenario(s, { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(1_000);
    world.emit('CONNECTION_LOST', 'mysql'); // a duplicate
    const result = await drive(world.clock, run);
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('timed out after 20s before the systems settled; events[0]: 2 CONNECTION_LOST, expected 1');
    expect(result.durationMs).toBe(20_000);
    expect(result.rollbacks.map((r) => r.status)).toEqual(['ok']);
  });

  it('a thrown error in a later action: earlier rollbacks run, later actions are not-run', async () => {
    const world = new FakeWorld();
    const s = twoActions({ type: 'FAIL', params: { message: 'boom' } });
    s.actions.push({ id: 'third', type: 'CHAOS', plugin: 'fake', params: { system: 'mysql', fault: 'LATENCY', duration: 1 }, line: 3, column: 1 });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.reason).toBe('action second (FAIL) failed: plugin "fake" failed in actions.FAIL.run: boom');
    expect(result.actions.map((a) => a.status)).toEqual(['passed', 'error', 'not-run']);
    expect(result.actions[1]!.error).toEqual({ code: 'PLUGIN_ERROR', message: 'plugin "fake" failed in actions.FAIL.run: boom', plugin: 'fake', hook: 'actions.FAIL.run' });
    expect(result.rollbacks).toEqual([expect.objectContaining({ actionId: 'chaos', status: 'ok' })]);
    expect(world.log).toEqual(['observer.start', 'observer.ready', 'action.run(chaos)', 'action.run(FAIL)', 'rollback(chaos)', 'observer.stop']);
  });

  it('AbortSignal: rollbacks run with their own signal although the run is aborted', async () => {
    const world = new FakeWorld();
    const controller = new AbortController();
    let rollbackSignalAborted: boolean | undefined;
    const plugin = world.plugin();
    const chaos = plugin.actions!.CHAOS!;
    const run = chaos.run.bind(chaos);
    chaos.run = async (ctx, params) => {
      const outcome = (await run(ctx, params))!;
      const inner = outcome.rollback!;
      return { ...outcome, rollback: { description: inner.description, run: async (signal) => { rollbackSignalAborted = signal.aborted; await inner.run(signal); } } };
    };
    const running = runScenario(scenario(), { plugins: [plugin], clock: world.clock, signal: controller.signal });
    await world.clock.advance(2_000);
    controller.abort();
    const result = await drive(world.clock, running);
    expect(result.status).toBe('error');
    expect(result.reason).toBe('the run was aborted');
    expect(result.rollbacks.map((r) => r.status)).toEqual(['ok']);
    expect(rollbackSignalAborted).toBe(false);
    expect(result.expectations.map((e) => e.status)).toEqual(['error', 'error']);
    expect(world.log.at(-1)).toBe('observer.stop');
  });

  it('a rollback that hangs fails at its own deadline, and the others still run', async () => {
    const world = new FakeWorld();
    const hang = definePlugin({
      name: 'hang',
      apiVersion: PLUGIN_API_VERSION,
      actions: {
        HANG: {
          schema: z.object({}),
          run: async () => ({ rollback: { description: 'never ends', run: () => new Promise<void>(() => {}) } }),
        },
      },
    });
    const s = scenario({ expectations: [] });
    s.actions.push({ id: 'hang', type: 'HANG', plugin: 'hang', params: {}, line: 2, column: 1 });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin(), hang], clock: world.clock, rollbackTimeoutMs: 3_000 }));
    expect(result.rollbacks).toEqual([
      expect.objectContaining({ actionId: 'hang', status: 'failed', durationMs: 3_000, error: { code: 'TIMEOUT', message: 'rollback "never ends" did not finish within 3000 ms' } }),
      expect.objectContaining({ actionId: 'chaos', status: 'ok' }),
    ]);
    expect(result.status).toBe('error');
    expect(result.reason).toBe('rollback failed: never ends: rollback "never ends" did not finish within 3000 ms');
  });

  it('an action still running at the timeout hands over its rollback late, and it runs', async () => {
    const world = new FakeWorld();
    let rolledBack = false;
    const slow = definePlugin({
      name: 'slow',
      apiVersion: PLUGIN_API_VERSION,
      actions: {
        SLOW: {
          schema: z.object({}),
          run: async (ctx) => {
            // Honours its signal: aborted at the timeout, it still returns what it injected.
            await ctx.clock.until(ctx.clock.now() + 50_000, ctx.signal).catch(() => {});
            return { rollback: { description: 'undo slow', run: async () => void (rolledBack = true) } };
          },
        },
      },
    });
    const s = scenario({ timeoutMs: 10_000, actions: [{ id: 'slow', type: 'SLOW', plugin: 'slow', params: {}, line: 1, column: 1 }], expectations: [] });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin(), slow], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.actions[0]).toMatchObject({ status: 'error', error: { code: 'TIMEOUT' } });
    expect(result.rollbacks).toEqual([expect.objectContaining({ actionId: 'slow', status: 'ok' })]);
    expect(rolledBack).toBe(true);
  });

  it('an observer whose start() finishes after the run was aborted is still stopped', async () => {
    const world = new FakeWorld();
    const stopped: string[] = [];
    const slow = definePlugin({
      name: 'slow-observer',
      apiVersion: PLUGIN_API_VERSION,
      observers: {
        slow: {
          async start(ctx) {
            await ctx.clock.until(10_000); // ignores its signal: a plugin we do not control
            return { ready: async () => {}, barrier: async () => {}, stop: async () => void stopped.push('slow') };
          },
        },
      },
    });
    const controller = new AbortController();
    const run = runScenario(scenario(), { plugins: [world.plugin(), slow], clock: world.clock, signal: controller.signal });
    await world.clock.advance(500);
    controller.abort();
    const result = await drive(world.clock, run);
    expect(result.status).toBe('error');
    expect(world.log).toEqual(['observer.start', 'observer.ready', 'observer.stop']);
    expect(stopped).toEqual([]);
    await world.clock.advanceTo(10_000);
    expect(stopped).toEqual(['slow']);
  });
});
