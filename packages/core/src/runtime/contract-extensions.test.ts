// Interests, re-checks at a time, blindness and the timeout, early errors and ledger attribution: the parts of
// the runtime that let plugins that do not know each other cooperate without a global registry and without
// polling the timeline.
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
  // A fault that outlasts the timeout: the systems never settle, and mysql never gets back to CONNECTED.
  const neverSettles = () =>
    scenario({
      timeoutMs: 30_000,
      actions: [{ id: 'chaos', type: 'CHAOS', plugin: 'fake', params: { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 60_000 }, line: 1, column: 1 }],
    });

  it('an expectation still waiting at the timeout while its source was blind is error, not undecided', async () => {
    const world = new FakeWorld();
    const run = runScenario(neverSettles(), { plugins: [world.plugin()], clock: world.clock });
    await world.clock.advance(5_000);
    world.ctx!.blind('connection refused');
    const result = await drive(world.clock, run);
    expect(result.status).toBe('error');
    expect(result.expectations.map((e) => e.status)).toEqual(['error', 'error']);
    expect(result.expectations[0]!.message).toBe(
      'could not decide: observer mem was blind from +5s on (connection refused); still waiting for mysql to reach CONNECTED (now DISCONNECTED)',
    );
    expect(result.reason).toMatch(/^states\[0\]: could not decide: observer mem was blind/);
  });

  it('without blindness the same expectation is undecided at the timeout: not blamed, not passed', async () => {
    const world = new FakeWorld();
    const result = await drive(world.clock, runScenario(neverSettles(), { plugins: [world.plugin()], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.expectations.map((e) => e.status)).toEqual(['undecided', 'undecided']);
    expect(result.expectations[0]!.message).toMatch(
      /^undecided: the systems never settled within the 30s timeout \(waiting for fault chaos-chaos \(CONNECTION_LOSS on mysql\) to end\); still waiting for mysql to reach CONNECTED \(now DISCONNECTED\)$/,
    );
    expect(result.reason).toMatch(/^the systems never settled within the 30s timeout \(waiting for fault chaos-chaos \(CONNECTION_LOSS on mysql\) to end\); last changes: /);
  });

  it('blindness that ended before the window opened does not make a timeout an error', async () => {
    const world = new FakeWorld();
    world.states.set('mysql', 'RECOVERING');
    const run = runScenario(neverSettles(), { plugins: [world.plugin()], clock: world.clock });
    world.ctx!.blind('connection refused');
    await world.clock.advance(1_000);
    world.ctx!.sighted();
    await world.clock.advance(1_000);
    world.setState('mysql', 'CONNECTED'); // the preconditions hold: the window opens at 2 s
    const result = await drive(world.clock, run);
    expect(result.window.opensAt).toBe(2_000);
    expect(result.expectations.map((e) => e.status)).toEqual(['undecided', 'undecided']);
  });
});

describe('the timeout after the window closed', () => {
  it('an expectation still pending on the closed window is undecided, and the reason does not claim the systems never settled', async () => {
    const world = new FakeWorld();
    const s = scenario({
      timeoutMs: 20_000,
      expectations: [{ id: 'held[0]', section: 'held', index: 0, plugin: 'helper', item: { for: 25_000 } as never, line: 1, column: 1 }],
    });
    const result = await drive(world.clock, runScenario(s, { plugins: [world.plugin(), helperPlugin({})], clock: world.clock }));
    expect(result.window).toMatchObject({ settledAt: 12_000, closesAt: 12_000, closed: true });
    expect(result.status).toBe('error');
    expect(result.expectations[0]).toMatchObject({
      status: 'undecided',
      message: 'undecided: not every expectation was decided within the 20s timeout, although the window closed at +12s; still waiting for the span to pass',
    });
    expect(result.reason).toMatch(/^not every expectation was decided within the 20s timeout, although the window closed at \+12s; last changes: /);
  });
});

describe('references judged before anything runs', () => {
  it('an expectation its evaluator judges error before the first action (an unknown system) stops the scenario: nothing is injected', async () => {
    const world = new FakeWorld();
    const plugin = world.plugin();
    const unknown = definePlugin({
      name: 'catalog',
      apiVersion: PLUGIN_API_VERSION,
      assertions: {
        known: {
          schema: z.strictObject({ system: z.string() }),
          create: (item: { system: string }): Evaluator => ({
            description: `${item.system} exists`,
            sources: ['mem'],
            needsClosedWindow: false,
            verdict: () =>
              item.system === 'mysql'
                ? { status: 'passed', message: 'mysql is known', evidence: [] }
                : { status: 'error', message: `unknown system "${item.system}": mem lists mysql; did you mean "mysql"?`, evidence: [] },
          }),
        },
      },
    });
    const s = scenario({
      expectations: [
        ...scenario().expectations,
        { id: 'known[0]', section: 'known', index: 0, plugin: 'catalog', item: { system: 'mysq' }, line: 7, column: 3 },
      ],
    });
    const result = await drive(world.clock, runScenario(s, { plugins: [plugin, unknown], clock: world.clock }));
    expect(result.status).toBe('error');
    expect(result.reason).toBe('nothing was injected: known[0]: unknown system "mysq": mem lists mysql; did you mean "mysql"?');
    expect(world.log).toEqual(['observer.start', 'observer.ready', 'observer.stop']);
    expect(result.actions).toEqual([expect.objectContaining({ id: 'chaos', status: 'not-run' })]);
    expect(result.rollbacks).toEqual([]);
    expect(result.window.opensAt).toBeUndefined();
    expect(result.expectations.find((e) => e.id === 'known[0]')).toMatchObject({ status: 'error', message: expect.stringContaining('unknown system "mysq"') });
    // The same scenario with a known system runs.
    const world2 = new FakeWorld();
    const known = { ...s, expectations: s.expectations.map((e) => (e.id === 'known[0]' ? { ...e, item: { system: 'mysql' } } : e)) };
    const result2 = await drive(world2.clock, runScenario(known, { plugins: [world2.plugin(), unknown], clock: world2.clock }));
    expect(result2.status).toBe('passed');
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
