/**
 * The order of hooks across plugins, as Playwright tests its reporter multiplexer: observers start, get ready, pass
 * barriers and stop in parallel across plugins (each waits until the other plugin's hook was called too, so running
 * them one plugin after the other would hang); actions run in scenario order; rollbacks run last-first across
 * plugins, each after the previous one ended.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../clock';
import { PLUGIN_API_VERSION, type TesterPlugin, definePlugin } from '../contract';
import type { Scenario } from '../scenario-types';
import { drive } from '../../test/fixtures/fake-world';
import { runScenario } from './run-scenario';

/** Resolves once every one of `names` arrived at `point`: a rendezvous that only parallel calls can complete. */
class Rendezvous {
  private readonly arrived = new Map<string, Set<string>>();
  private readonly waiters = new Map<string, Array<() => void>>();
  constructor(private readonly names: readonly string[]) {}
  meet(point: string, name: string): Promise<void> {
    const here = this.arrived.get(point) ?? new Set<string>();
    this.arrived.set(point, here.add(name));
    if (this.names.every((n) => here.has(n))) {
      for (const wake of this.waiters.get(point) ?? []) wake();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.set(point, [...(this.waiters.get(point) ?? []), resolve]));
  }
}

function orderedPlugin(name: string, clock: ManualClock, log: string[], meet: Rendezvous): TesterPlugin {
  return definePlugin({
    name: `plugin-${name}`,
    apiVersion: PLUGIN_API_VERSION,
    observers: {
      [`obs${name}`]: {
        async start() {
          log.push(`start ${name}`);
          await meet.meet('start', name);
          return {
            ready: () => meet.meet('ready', name),
            barrier: () => meet.meet('barrier', name),
            stop: async () => {
              await meet.meet('stop', name);
              log.push(`stopped ${name}`);
            },
          };
        },
      },
    },
    actions: {
      [`STEP_${name}`]: {
        schema: z.strictObject({}),
        async run(ctx) {
          log.push(`run ${ctx.actionId}`);
          return {
            rollback: {
              description: `undo ${ctx.actionId}`,
              async run() {
                log.push(`rollback ${ctx.actionId} start`);
                await clock.until(clock.now() + 100);
                log.push(`rollback ${ctx.actionId} end`);
              },
            },
          };
        },
      },
    },
  });
}

const scenario = (actions: Array<[id: string, type: string]>): Scenario => ({
  name: 'order',
  timeoutMs: 60_000,
  tags: [],
  systems: [],
  variables: {},
  preconditions: [],
  actions: actions.map(([id, type]) => ({ id, type, plugin: '', params: {}, line: 1, column: 1 })),
  expectations: [],
  window: { afterMs: 0, settleMs: 500 },
});

describe('hook order across plugins', () => {
  it('observers in parallel across plugins, actions in order, rollbacks last-first across plugins', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const meet = new Rendezvous(['A', 'B']);
    const plugins = [orderedPlugin('A', clock, log, meet), orderedPlugin('B', clock, log, meet)];
    const result = await drive(clock, runScenario(scenario([['a1', 'STEP_A'], ['b2', 'STEP_B'], ['a3', 'STEP_A']]), { plugins, clock }), 100);

    expect(result.errors).toEqual([]);
    expect(result.status).toBe('passed');
    expect(result.observers.map((o) => o.readyAt)).toEqual([0, 0]);
    expect(result.window.closed).toBe(true);
    expect(log.slice(0, 2).sort()).toEqual(['start A', 'start B']);
    expect(log.slice(2, 5)).toEqual(['run a1', 'run b2', 'run a3']);
    expect(log.slice(5, 11)).toEqual(['rollback a3 start', 'rollback a3 end', 'rollback b2 start', 'rollback b2 end', 'rollback a1 start', 'rollback a1 end']);
    expect(result.rollbacks.map((r) => [r.actionId, r.durationMs])).toEqual([['a3', 100], ['b2', 100], ['a1', 100]]);
    expect(log.slice(11).sort()).toEqual(['stopped A', 'stopped B']);
  });
});
