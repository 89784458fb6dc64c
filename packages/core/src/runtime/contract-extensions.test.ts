// Interests, re-checks at a time, blindness at the timeout and ledger attribution: the parts of the runtime that
// let plugins that do not know each other cooperate without a global registry and without polling the timeline.
import { describe, expect, it } from 'vitest';
import { FakeWorld, drive, scenario } from '../../test/fixtures/fake-world';
import { type Evaluator, type Interest, PLUGIN_API_VERSION, type TesterPlugin, definePlugin } from '../contract';
import { createMemoryLedger } from '../ledger';
import { z } from 'zod';
import { runScenario } from './run-scenario';

/** A plugin with a `watch` section that declares interests and a `held` section that needs time to pass. */
function helperPlugin(seen: { interests?: readonly Interest[] }): TesterPlugin {
  return definePlugin({
    name: 'helper',
    apiVersion: PLUGIN_API_VERSION,
    observers: {
      prom: {
        start(ctx) {
          seen.interests = ctx.interests;
          return { ready: async () => {}, barrier: async () => {}, stop: async () => {} };
        },
      },
    },
    assertions: {
      watch: {
        schema: z.strictObject({ query: z.string() }),
        interests: (item: { query: string }) => [
          { source: 'prom', kind: 'promql', value: item.query },
          { source: 'elsewhere', kind: 'promql', value: item.query },
        ],
        create: (): Evaluator => ({ description: 'watch', sources: [], needsClosedWindow: false, verdict: () => ({ status: 'passed', message: 'ok', evidence: [] }) }),
      },
      held: {
        schema: z.strictObject({ for: z.number() }),
        create(item: { for: number }, ctx): Evaluator {
          let since: number | undefined;
          return {
            description: `held for ${item.for} ms`,
            sources: [],
            needsClosedWindow: false,
            verdict() {
              since ??= ctx.clock.now();
              const until = since + item.for;
              if (ctx.clock.now() >= until) return { status: 'passed', message: `held until ${until}`, evidence: [] };
              return { status: 'pending', waitingFor: 'the span to pass', recheckAt: until };
            },
          };
        },
      },
    },
  });
}

describe('interests', () => {
  it('hands each observer, before it starts, the deduplicated interests of its own source', async () => {
    const world = new FakeWorld();
    const seen: { interests?: readonly Interest[] } = {};
    const s = scenario({
      expectations: [
        { id: 'watch[0]', section: 'watch', index: 0, plugin: 'helper', item: { query: 'up' }, line: 1, column: 1 },
        { id: 'watch[1]', section: 'watch', index: 1, plugin: 'helper', item: { query: 'up' }, line: 2, column: 1 },
        { id: 'watch[2]', section: 'watch', index: 2, plugin: 'helper', item: { query: 'sum(x)' }, line: 3, column: 1 },
      ],
    });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin(), helperPlugin(seen)], clock: world.clock }));
    expect(result.status).toBe('passed');
    expect(seen.interests).toEqual([
      { source: 'prom', kind: 'promql', value: 'up' },
      { source: 'prom', kind: 'promql', value: 'sum(x)' },
    ]);
  });
});

describe('recheckAt', () => {
  it('asks a pending evaluator again at the time it named, with nothing observed meanwhile', async () => {
    const world = new FakeWorld();
    const s = scenario({
      timeoutMs: 120_000,
      expectations: [{ id: 'held[0]', section: 'held', index: 0, plugin: 'helper', item: { for: 25_000 } as never, line: 1, column: 1 }],
    });
    // Large manual-clock steps: without the recheck, the run would only be woken by the deadline at 120 s.
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin(), helperPlugin({})], clock: world.clock }), 1_000);
    expect(result.status).toBe('passed');
    const decidedAt = result.expectations[0]!.decidedAt!;
    expect(decidedAt).toBeGreaterThanOrEqual(25_000);
    expect(decidedAt).toBeLessThan(40_000);
  });
});

describe('blindness at the timeout', () => {
  it('an expectation still waiting at the timeout while its source was blind is error, not failed', async () => {
    const world = new FakeWorld();
    world.noRecovery.add('mysql');
    const run = runScenario(scenario({ timeoutMs: 30_000 }), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(5_000);
    world.ctx!.blind('connection refused');
    const result = await drive(world.clock, run);
    expect(result.status).toBe('error');
    expect(result.expectations[0]).toMatchObject({ status: 'error' });
    expect(result.expectations[0]!.message).toMatch(/^could not decide before the timeout: observer mem was blind during the window \(connection refused\)/);
  });

  it('without blindness the same run fails at the timeout', async () => {
    const world = new FakeWorld();
    world.noRecovery.add('mysql');
    const result = await drive(world.clock, runScenario(scenario({ timeoutMs: 30_000 }), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('failed');
    expect(result.expectations[0]).toMatchObject({ status: 'failed', message: 'timed out still waiting for mysql to reach CONNECTED (now DISCONNECTED)' });
  });
});

describe('the ledger', () => {
  it('attributes each entry to the plugin whose action recorded it', async () => {
    const world = new FakeWorld();
    const ledger = createMemoryLedger({ runId: 'run-1' });
    const recorded: { plugin: string }[] = [];
    const run = runScenario(scenario(), {
      plugins: [world.plugin()],
      clock: world.clock,
      runId: 'run-1',
      ledger: { record: async (entry) => (recorded.push({ plugin: entry.plugin }), ledger.record(entry)) },
    });
    await world.clock.advance(1_000);
    expect(ledger.entries).toEqual([expect.objectContaining({ plugin: 'fake', runId: 'run-1', action: 'CHAOS' })]);
    const result = await drive(world.clock, run);
    expect(result.status).toBe('passed');
    expect(recorded).toEqual([{ plugin: 'fake' }]);
    expect(ledger.entries).toEqual([]);
  });
});
