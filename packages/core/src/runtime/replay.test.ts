import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../clock';
import { type Evaluator, PLUGIN_API_VERSION, definePlugin } from '../contract';
import { FakeWorld, drive, scenario } from '../../test/fixtures/fake-world';
import type { ScenarioResult } from '../result-types';
import type { Scenario } from '../scenario-types';
import type { Observation } from '../observation';
import { replayScenario, revive } from './replay';
import { runScenario } from './run-scenario';

/** What a replay must reproduce of a live result. */
const verdicts = (r: ScenarioResult) => ({
  status: r.status,
  reason: r.reason,
  expectations: r.expectations.map((e) => ({ id: e.id, status: e.status, message: e.message, evidence: e.evidence.map((o) => o.seq) })),
});

async function live(world: FakeWorld, s: Scenario, after?: (world: FakeWorld) => Promise<void>) {
  const run = runScenario(s, { plugins: [world.plugin()], clock: world.clock });
  await after?.(world);
  // Through JSON, as a report carries it.
  return JSON.parse(JSON.stringify(await drive(world.clock, run))) as ScenarioResult;
}

describe('replay reproduces the live verdicts exactly', () => {
  const cases: [string, (w: FakeWorld) => Scenario, ((w: FakeWorld) => Promise<void>)?][] = [
    ['a passing run', () => scenario()],
    ['a system that never recovers', (w) => (w.noRecovery.add('mysql'), scenario())],
    ['a fault without effect', (w) => (w.ignoreChaos.add('mysql'), scenario())],
    ['a run that times out before the systems settle', () => scenario({ timeoutMs: 30_000, actions: [{ ...scenario().actions[0]!, params: { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 60_000 } }] })],
    [
      'activity during the quiet period',
      () => scenario(),
      async (w) => {
        await w.clock.advance(11_000);
        w.setState('mysql', 'DEGRADED');
        await w.clock.advance(500);
        w.setState('mysql', 'CONNECTED');
      },
    ],
    ['an unmet precondition', (w) => (w.states.set('mysql', 'DEGRADED'), scenario())],
  ];
  for (const [name, make, after] of cases) {
    it(name, async () => {
      const world = new FakeWorld();
      const s = make(world);
      const recorded = await live(world, s, after);
      const replayed = replayScenario(s, recorded, { plugins: [new FakeWorld().plugin()] });
      expect(verdicts(replayed)).toEqual(verdicts(recorded));
    });
  }
});

describe('replay with edited expectations', () => {
  it('judges new expectations against the recorded run: a final state the system only passed through fails', async () => {
    const world = new FakeWorld();
    const s = scenario();
    const recorded = await live(world, s);
    expect(recorded.status).toBe('passed');
    const edited = scenario({ expectations: [{ ...s.expectations[0]!, item: { system: 'mysql', final_state: 'DISCONNECTED' } }, s.expectations[1]!] });
    const replayed = replayScenario(edited, recorded, { plugins: [world.plugin()] });
    expect(replayed.status).toBe('failed');
    expect(replayed.expectations.map((e) => e.status)).toEqual(['failed', 'passed']);
    expect(replayed.expectations[0]!.message).toBe('mysql ended CONNECTED, expected DISCONNECTED');
    // And the same edit, run live, says the same.
    const world2 = new FakeWorld();
    expect(verdicts(await live(world2, edited))).toEqual(verdicts(replayed));
  });

  it('an exact count one too high fails', async () => {
    const world = new FakeWorld();
    const s = scenario();
    const recorded = await live(world, s);
    const edited = scenario({ expectations: [s.expectations[0]!, { ...s.expectations[1]!, item: { type: 'CONNECTION_LOST', count: 2 } }] });
    const replayed = replayScenario(edited, recorded, { plugins: [world.plugin()] });
    expect(replayed.expectations[1]).toMatchObject({ status: 'failed', message: '1 CONNECTION_LOST, expected 2' });
  });

  it('refuses an edit that changes actions, systems or the window, naming what differs', async () => {
    const world = new FakeWorld();
    const s = scenario();
    const recorded = await live(world, s);
    const plugins = [world.plugin()];
    expect(() => replayScenario(scenario({ actions: [{ ...s.actions[0]!, params: { system: 'mysql', fault: 'LATENCY', duration: 10_000 } }] }), recorded, { plugins })).toThrow(
      /its actions differ from the recorded run's \(chaos CHAOS\): a replay can only change expectations; run it live/,
    );
    expect(() => replayScenario(scenario({ systems: ['mysql', 'mysql-2'] }), recorded, { plugins })).toThrow(/its systems \(mysql, mysql-2\) differ/);
    expect(() => replayScenario(scenario({ window: { afterMs: 0, settleMs: 500 } }), recorded, { plugins })).toThrow(/window\.settle \(500 ms\) differs from the recorded run's \(2000 ms\)/);
    expect(() => replayScenario(scenario({ window: { afterMs: 1_000 } }), recorded, { plugins })).toThrow(/window\.after/);
  });

  it('refuses a recording whose timeline lost observations to the cap', async () => {
    const world = new FakeWorld();
    const s = scenario();
    const recorded = await live(world, s);
    expect(() => replayScenario(s, { ...recorded, timelineDropped: 3 }, { plugins: [world.plugin()] })).toThrow(/dropped 3 observations/);
  });
});

describe('replay of what JSON cannot hold', () => {
  it('a NaN sample (null in the report) is fed back as NaN, data and reference alike; other observations as they are', () => {
    const nan = { seq: 1, source: 'p', kind: 'metric.sample', subject: 'q', receivedAt: 1, data: { query: 'q', labels: {}, value: Number.NaN, timestamp: 1 }, ref: { type: 'promql' as const, url: 'u', query: 'q', labels: {}, value: Number.NaN, timestamp: 1 } };
    const json = JSON.parse(JSON.stringify(nan)) as Observation;
    expect((json.data as { value: unknown }).value).toBeNull();
    const back = revive(json);
    expect((back.data as { value: number }).value).toBeNaN();
    expect((back.ref as { value: number }).value).toBeNaN();
    const event = { ...json, kind: 'event', data: { type: 'X', value: null } };
    expect(revive(event)).toBe(event);
  });
});

describe('one moment per evaluation pass', () => {
  /** A clock whose readings move on between two calls at the same manual time, as a real clock does during a pass. */
  class TickingClock extends ManualClock {
    private calls = 0;
    override now(): number {
      return super.now() + (this.calls++ % 4) * 0.3;
    }
  }

  it('evaluators read the moment the pass was recorded at, so a "so far" verdict replays word for word', async () => {
    const world = new FakeWorld();
    const clock = new TickingClock();
    Object.defineProperty(world, 'clock', { value: clock });
    // Fails while the system is down, saying for how long so far: the message depends on `now`.
    const heldDown = definePlugin({
      name: 'held',
      apiVersion: PLUGIN_API_VERSION,
      assertions: {
        held: {
          schema: z.strictObject({ system: z.string() }),
          create(item: { system: string }): Evaluator {
            let downAt: number | undefined;
            return {
              description: `${item.system} never down`,
              sources: ['mem'],
              needsClosedWindow: true,
              observe(o) {
                if (o.kind === 'system.state' && o.subject === item.system && (o.data as { state: string }).state === 'DISCONNECTED') downAt ??= o.receivedAt;
              },
              verdict(ctx) {
                if (downAt !== undefined) return { status: 'failed', message: `${item.system} down for ${(ctx.clock.now() - downAt).toFixed(1)} ms so far`, evidence: [] };
                return ctx.window.closed ? { status: 'passed', message: 'never down', evidence: [] } : { status: 'pending', waitingFor: 'the window' };
              },
            };
          },
        },
      },
    });
    const s = scenario({ expectations: [...scenario().expectations, { id: 'held[0]', section: 'held', index: 0, plugin: 'held', item: { system: 'mysql' }, line: 1, column: 1 }] });
    const run = runScenario(s, { plugins: [world.plugin(), heldDown], clock });
    const recorded = JSON.parse(JSON.stringify(await drive(clock, run))) as ScenarioResult;
    expect(recorded.expectations.find((e) => e.id === 'held[0]')).toMatchObject({ status: 'failed' });
    const replayed = replayScenario(s, recorded, { plugins: [new FakeWorld().plugin(), heldDown] });
    expect(verdicts(replayed)).toEqual(verdicts(recorded));
  });
});
