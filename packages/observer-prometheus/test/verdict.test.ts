/**
 * Blindness reaches the verdict: under core's runScenario, an expectation on source `prometheus` that would
 * pass becomes `error` when Prometheus is stopped during the window, and stays `passed` otherwise.
 * The expectation and the stopping action come from a tiny inline plugin, as a third party would write them.
 */
import { definePlugin, parseScenario, PLUGIN_API_VERSION, runScenario, silentLogger, z, type EvaluationContext, type Verdict } from '@tester/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, startPrometheus } from '../../../scripts/stack/index.mjs';
import { prometheusPlugin } from '../src/index';

function probePlugin(stop: () => Promise<void>) {
  return definePlugin({
    name: 'test-probe',
    apiVersion: PLUGIN_API_VERSION,
    actions: {
      SOURCE: {
        schema: z.strictObject({ stop: z.boolean() }),
        async run(_ctx, p: { stop: boolean }) {
          if (p.stop) await stop();
          return { summary: p.stop ? 'stopped Prometheus' : 'nothing' };
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
  ['name: blind-verdict', 'timeout: 6', 'window:', '  after: 2s', 'actions:', '  - type: SOURCE', `    stop: ${stop}`, 'expectations:', '  probe:', '    - source: prometheus'].join('\n');

describe('prometheus blindness in the verdict', () => {
  let cp: Awaited<ReturnType<typeof startControlPlane>>;
  beforeAll(async () => {
    cp = await startControlPlane({ systems: 1 });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it.each([false, true])('Prometheus stopped during the window: %s', async (stop) => {
    const prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
    try {
      const plugins = [prometheusPlugin({ url: prom.url, queries: ['up'], poll: { fastInterval: '100ms' } }), probePlugin(() => prom.stop())];
      const loaded = parseScenario(scenario(stop), { file: 'blind.yaml', plugins });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const result = await runScenario(loaded.scenario, { plugins, logger: silentLogger() });
      const observer = result.observers.find((o) => o.source === 'prometheus')!;
      if (stop) {
        expect(result.status).toBe('error');
        expect(result.expectations[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/source prometheus blind: (Prometheus unreachable|GET .* -> 503)/) });
        expect(result.window.closed).toBe(false); // the barrier never passed while blind
        // Refused, or 503 while it shuts down: either way it cannot be read.
        expect(observer.blindSpans[0]!.reason).toMatch(/Prometheus unreachable|-> 503/);
      } else {
        expect(result.status).toBe('passed');
        expect(observer.blindSpans).toEqual([]);
      }
    } finally {
      await prom.stop();
    }
  });
});
