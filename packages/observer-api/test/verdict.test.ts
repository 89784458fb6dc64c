/**
 * Blindness reaches the verdict: under core's runScenario, an expectation on source `api` that would pass
 * becomes `error` when the control plane stops answering during the window, and stays `passed` otherwise.
 * The expectation and the stopping action come from core's blindness probe (`@tester/core/testing`); the probe only
 * waits for the closed window, so the `error` is core's own judgement of a blind source at the timeout.
 */
import { parseScenario, replayScenario, runScenario, silentLogger } from '@tester/core/runner';
import { blindnessProbePlugin, blindnessProbeScenario } from '@tester/core/testing';
import { describe, expect, it } from 'vitest';
import { startControlPlane } from '../../../scripts/stack/index.mjs';
import { expectResultReplays } from '../../../scripts/test-support/replay.mjs';
import { apiPlugin } from '../src/index';

describe('api blindness in the verdict', () => {
  it.each([false, true])('control plane stopped during the window: %s', async (stop) => {
    const cp = await startControlPlane({ systems: 1 });
    try {
      const plugins = [apiPlugin({ baseUrl: cp.url, poll: { fastInterval: '50ms' } }), blindnessProbePlugin(() => cp.stop())];
      const loaded = parseScenario(blindnessProbeScenario('api', stop), { file: 'blind.yaml', plugins });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const result = await runScenario(loaded.scenario, { plugins, logger: silentLogger() });
      // The blindness rules are core's, the same live and in a replay of the recorded run.
      expectResultReplays(result, (recorded) => replayScenario(loaded.scenario, recorded, { plugins }));
      const api = result.observers.find((o) => o.source === 'api')!;
      if (stop) {
        expect(result.status).toBe('error');
        expect(result.expectations[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/^could not decide: observer api was blind from [+-][\d.]+m?s on \(GET http/) });
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
