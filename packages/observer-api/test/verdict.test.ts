/**
 * Blindness reaches the verdict: under core's runScenario, an expectation on source `api` that would pass
 * becomes `error` when the control plane stops answering during the window, and stays `passed` otherwise.
 * The expectation and the stopping action come from a tiny inline plugin, as a third party would write them.
 */
import { definePlugin, parseScenario, PLUGIN_API_VERSION, runScenario, silentLogger, z, type EvaluationContext, type Verdict } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { startControlPlane } from '../../../scripts/stack/index.mjs';
import { apiPlugin } from '../src/index';

function probePlugin(stop: () => Promise<void>) {
  return definePlugin({
    name: 'test-probe',
    apiVersion: PLUGIN_API_VERSION,
    actions: {
      SOURCE: {
        schema: z.strictObject({ stop: z.boolean() }),
        async run(_ctx, p: { stop: boolean }) {
          if (p.stop) await stop();
          return { summary: p.stop ? 'stopped the control plane' : 'nothing' };
        },
      },
    },
    assertions: {
      probe: {
        schema: z.strictObject({ source: z.string() }),
        create: (item: { source: string }) => ({
          description: `probe on ${item.source}`,
          sources: [item.source],
          // Decided only once the window is closed, i.e. once every observer's barrier(T) passed: this is
          // what makes the runtime wait on the observers (a pass needing no closed window would not). At the
          // timeout it answers as a careful evaluator should: `error` when its source was blind (core turns
          // an undecided expectation into `failed`, and only a blind `passed` into `error`).
          needsClosedWindow: true,
          verdict: (ctx: EvaluationContext): Verdict => {
            if (ctx.window.closed) return { status: 'passed', message: 'ok', evidence: [] };
            const blind = ctx.blindSpans(item.source)[0];
            if (ctx.timedOut && blind) return { status: 'error', message: `source ${item.source} blind: ${blind.reason}`, evidence: [] };
            return { status: 'pending' };
          },
        }),
      },
    },
  });
}

const scenario = (stop: boolean) =>
  ['name: blind-verdict', 'timeout: 6', 'window:', '  after: 2s', 'actions:', '  - type: SOURCE', `    stop: ${stop}`, 'expectations:', '  probe:', '    - source: api'].join('\n');

describe('api blindness in the verdict', () => {
  it.each([false, true])('control plane stopped during the window: %s', async (stop) => {
    const cp = await startControlPlane({ systems: 1 });
    try {
      const plugins = [apiPlugin({ baseUrl: cp.url, poll: { fastInterval: '50ms' } }), probePlugin(() => cp.stop())];
      const loaded = parseScenario(scenario(stop), { file: 'blind.yaml', plugins });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const result = await runScenario(loaded.scenario, { plugins, logger: silentLogger() });
      const api = result.observers.find((o) => o.source === 'api')!;
      if (stop) {
        expect(result.status).toBe('error');
        expect(result.expectations[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/source api blind: GET http/) });
        expect(result.window.closed).toBe(false); // the barrier never passed while blind
        expect(api.blindSpans[0]!.reason).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\//);
      } else {
        expect(result.status).toBe('passed');
        expect(api.blindSpans).toEqual([]);
      }
    } finally {
      await cp.stop();
    }
  });
});
