import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PLUGIN_API_VERSION, type TesterPlugin, definePlugin } from '../contract';
import { TesterError } from '../errors';
import { FakeWorld, drive, scenario } from '../../test/fixtures/fake-world';
import { runScenario } from './run-scenario';

function brokenAssertion(where: 'create' | 'observe' | 'verdict'): TesterPlugin {
  return definePlugin({
    name: 'broken-assertions',
    apiVersion: PLUGIN_API_VERSION,
    assertions: {
      broken: {
        schema: z.object({}),
        create() {
          if (where === 'create') throw new Error('create exploded');
          return {
            description: 'broken',
            sources: [],
            needsClosedWindow: false,
            observe() {
              if (where === 'observe') throw new TesterError('MY_CODE', 'observe exploded');
            },
            verdict() {
              if (where === 'verdict') throw new Error('verdict exploded');
              return { status: 'pending' };
            },
          };
        },
      },
    },
  });
}

const withBroken = () =>
  scenario({
    expectations: [
      ...scenario().expectations,
      { id: 'broken[0]', section: 'broken', index: 0, plugin: 'broken-assertions', item: {}, line: 9, column: 3 },
    ],
  });

describe('a broken plugin is attributed, never a crash', () => {
  for (const where of ['create', 'observe', 'verdict'] as const) {
    it(`an evaluator throwing in ${where} makes only its expectation error`, async () => {
      const world = new FakeWorld();
      const result = await drive(world.clock, runScenario(withBroken(), { plugins: [world.plugin(), brokenAssertion(where)], clock: world.clock }));
      expect(result.status).toBe('error');
      const broken = result.expectations.find((e) => e.id === 'broken[0]')!;
      expect(broken.status).toBe('error');
      expect(broken.message).toBe(`plugin "broken-assertions" failed in assertions.broken.${where}: ${where} exploded`);
      expect(result.expectations.filter((e) => e.id !== 'broken[0]').map((e) => e.status)).toEqual(['passed', 'passed']);
      // The plugin's own code is kept (observe throws a TesterError with MY_CODE; the others a plain Error, which has none).
      expect(result.errors).toContainEqual({
        code: 'PLUGIN_ERROR', message: broken.message, plugin: 'broken-assertions', hook: `assertions.broken.${where}`, ...(where === 'observe' ? { pluginCode: 'MY_CODE' } : {}),
      });
      expect(result.rollbacks.map((r) => r.status)).toEqual(['ok']);
    });
  }

  it('an observer throwing in start fails the scenario with error; no action runs; nothing crashes', async () => {
    const world = new FakeWorld();
    const bad = definePlugin({
      name: 'bad-observer',
      apiVersion: PLUGIN_API_VERSION,
      observers: { bad: { start: () => { throw new Error('cannot connect to 127.0.0.1:1'); } } },
    });
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [world.plugin(), bad], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.reason).toBe('plugin "bad-observer" failed in observers.bad.start: cannot connect to 127.0.0.1:1');
    expect(result.errors).toEqual([{ code: 'PLUGIN_ERROR', message: result.reason, plugin: 'bad-observer', hook: 'observers.bad.start' }]);
    expect(world.log).toEqual(['observer.start', 'observer.ready', 'observer.stop']);
  });

  it('an observer throwing in barrier makes the window expectations error', async () => {
    const world = new FakeWorld();
    world.barrier = async () => {
      throw new Error('broker gone');
    };
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.expectations[1]).toMatchObject({ status: 'error', message: 'the window could not be closed: plugin "fake" failed in observers.mem.barrier: broker gone' });
  });

  it('an action throwing keeps the plugin code as pluginCode', async () => {
    const world = new FakeWorld();
    const plugin = world.plugin();
    plugin.actions!.CHAOS!.run = async () => {
      throw new TesterError('ACTION_FAILED', 'POST /api/v1/chaos answered 500');
    };
    const result = await drive(world.clock, runScenario(scenario(), { plugins: [plugin], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.actions[0]!.error).toEqual({
      code: 'PLUGIN_ERROR', message: 'plugin "fake" failed in actions.CHAOS.run: POST /api/v1/chaos answered 500', plugin: 'fake', hook: 'actions.CHAOS.run', pluginCode: 'ACTION_FAILED',
    });
    // The report is JSON: the code survives serialization, so "the control plane answered 500" is told from a plugin bug.
    expect(JSON.parse(JSON.stringify(result)).actions[0].error.pluginCode).toBe('ACTION_FAILED');
  });

  it('a plugin for another API version is refused with PLUGIN_API_MISMATCH before anything runs', async () => {
    const world = new FakeWorld();
    const old = { ...world.plugin(), apiVersion: 0 };
    await expect(runScenario(scenario(), { plugins: [old], clock: world.clock })).rejects.toMatchObject({
      code: 'PLUGIN_API_MISMATCH',
      message: 'plugin "fake" targets plugin API version 0, but this @tester/core implements version 1: upgrade the plugin (or @tester/core) so both use version 1',
    });
    expect(world.log).toEqual([]);
  });

  it('secrets registered by a plugin are redacted from errors, observations and the result', async () => {
    const world = new FakeWorld();
    const plugin = world.plugin();
    const run = plugin.actions!.CHAOS!.run;
    plugin.actions!.CHAOS!.run = async (ctx, params) => {
      ctx.registerSecret('s3cr3t-token');
      world.ctx!.record({ kind: 'note', data: { auth: 'Bearer s3cr3t-token' }, ref: { type: 'http', method: 'GET', url: 'http://127.0.0.1/?t=s3cr3t-token' } });
      return run(ctx, params);
    };
    const lines: string[] = [];
    const logger = { debug: () => {}, info: (m: string) => void lines.push(m), warn: () => {}, error: () => {}, child() { return this; } };
    plugin.actions!.FAIL!.run = async (ctx) => {
      ctx.logger.info('calling with s3cr3t-token');
      throw new Error('401 for token s3cr3t-token');
    };
    const s = scenario();
    s.actions.push({ id: 'fail', type: 'FAIL', plugin: 'fake', params: { message: 'x' }, line: 2, column: 1 });
    const result = await drive(world.clock, runScenario(s, { plugins: [plugin], clock: world.clock, logger }));
    const text = JSON.stringify(result);
    expect(text).not.toContain('s3cr3t-token');
    expect(text).toContain('Bearer ***');
    expect(result.reason).toBe('action fail (FAIL) failed: plugin "fake" failed in actions.FAIL.run: 401 for token ***');
    expect(lines).toEqual(['calling with ***']);
  });
});
