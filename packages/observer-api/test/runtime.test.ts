/**
 * The plugin under core's real runtime (runScenario) against the shared control plane: the observer becomes
 * ready, the precondition reads its states, CHAOS injects and reports the fault's end, the rollback runs.
 */
import { parseScenario, runScenario, silentLogger } from '@tester/core/runner';
import { describe, expect, it } from 'vitest';
import { apiPlugin } from '../src/index';
import { eventually } from '@tester/core/testing';

describe('apiPlugin under runScenario', () => {
  it('runs a LATENCY scenario on mysql-2 end to end', async () => {
    const plugin = apiPlugin({ baseUrl: process.env.TESTER_CONTROL_PLANE_URL ?? 'http://127.0.0.1:8080', poll: { fastInterval: '50ms' } });
    const source = [
      'name: api-runtime',
      'timeout: 60',
      'systems: [mysql-2]',
      'preconditions:',
      '  - systems["mysql-2"].state == "CONNECTED"',
      'actions:',
      '  - type: CHAOS',
      '    system: mysql-2',
      '    fault: LATENCY',
      '    duration: 1',
      '    params: { latency_ms: 50 }',
      // 50 ms for 1 s may change nothing the api shows: that is not what this test is about.
      '    harmless: true',
    ].join('\n');
    // A previous test's fault may still be winding down on this system: start from CONNECTED.
    await eventually(async () => ((await (await fetch(`${plugin.options.baseUrl}/api/v1/systems/mysql-2`)).json()) as { state: string }).state === 'CONNECTED', 30_000, 'mysql-2 CONNECTED');
    const loaded = parseScenario(source, { file: 'api-runtime.yaml', plugins: [plugin] });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const result = await runScenario(loaded.scenario, { plugins: [plugin], logger: silentLogger() });
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(result.preconditions[0]!.status).toBe('passed');
    expect(result.actions[0]).toMatchObject({ type: 'CHAOS', status: 'passed' });
    expect(result.faults).toHaveLength(1);
    expect(result.faults[0]).toMatchObject({ system: 'mysql-2', fault: 'LATENCY' });
    // The window closes once the system settled after the fault (it ends on its own after 1 s); the rollback then
    // DELETEs it all the same, verified.
    expect(result.rollbacks[0]).toMatchObject({ status: 'ok' });
    const chaosRecord = (await (await fetch(`${plugin.options.baseUrl}/api/v1/chaos/${result.faults[0]!.id}`)).json()) as { status: string };
    expect(['ENDED', 'CANCELLED']).toContain(chaosRecord.status);
    expect(result.observers.find((o) => o.source === 'api')).toMatchObject({ readyAt: expect.any(Number), blindSpans: [] });
    expect(result.timeline.some((o) => o.kind === 'system.state' && o.subject === 'mysql-2')).toBe(true);
  });
});
