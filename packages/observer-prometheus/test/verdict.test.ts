/**
 * Blindness reaches the verdict: under core's runScenario, an expectation on source `prometheus` that would
 * pass becomes `error` when Prometheus is stopped during the window, and stays `passed` otherwise.
 * The expectation and the stopping action come from core's blindness probe (`@tester/core/testing`); the probe only
 * waits for the closed window, so the `error` is core's own judgement of a blind source at the timeout.
 */
import { parseScenario, replayScenario, runScenario, silentLogger } from '@tester/core/runner';
import { blindnessProbePlugin, blindnessProbeScenario } from '@tester/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, startPrometheus } from '../../../scripts/stack/index.mjs';
import { expectResultReplays } from '../../../scripts/test-support/replay.mjs';
import { prometheusPlugin } from '../src/index';

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
      const plugins = [prometheusPlugin({ url: prom.url, queries: ['up'], poll: { fastInterval: '100ms' } }), blindnessProbePlugin(() => prom.stop())];
      const loaded = parseScenario(blindnessProbeScenario('prometheus', stop), { file: 'blind.yaml', plugins });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const result = await runScenario(loaded.scenario, { plugins, logger: silentLogger() });
      // The blindness rules are core's, the same live and in a replay of the recorded run.
      expectResultReplays(result, (recorded) => replayScenario(loaded.scenario, recorded, { plugins }));
      const observer = result.observers.find((o) => o.source === 'prometheus')!;
      if (stop) {
        expect(result.status).toBe('error');
        expect(result.expectations[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/^could not decide\b.*: observer prometheus was blind .*\((Prometheus unreachable|GET .* -> 503)/) });
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
