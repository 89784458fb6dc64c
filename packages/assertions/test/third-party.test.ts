/**
 * A third party's observer feeds the built-in assertions: the plugin in fixtures/third-party-observer.ts depends on
 * `@tester/core` only, records `system.state` under source `acme`, and tags its systems' kind. Through core's real
 * loader and runtime on a manual clock, the built-in `states` and `timing` expectations pass on a healthy run and
 * fail on a broken one; the report's timings are the `timing` verdict's; settling waits out a transitional state;
 * blindness of `acme` applies. No `sources:` key anywhere: every family reads the kinds from any source.
 */
import { formatMs } from '@tester/core';
import { parseScenario, runScenario, type ScenarioResult } from '@tester/core/runner';
import { describe, expect, it } from 'vitest';
import { assertionsPlugin } from '../src/index';
import { ACME_DB, AcmeConnectors, type AcmeOptions, type Flavour, KAFKA_CONNECT } from './fixtures/third-party-observer';

function scenario(f: Flavour): string {
  return `
name: acme_task_killed
timeout: 60
preconditions:
  - systems["orders-sink"].state == ${f.running}
actions:
  - type: ACME_KILL_TASK
    connector: orders-sink
    duration: 2
expectations:
  states:
    - system: orders-sink
      final_state: ${f.running}
    - system: orders-sink
      sequence: [${[f.running, f.failed, ...f.restarting, f.running].join(', ')}]
  timing:
    - time_to_detect: { max: 1s }
      time_to_recover: { max: 6s }
`;
}

async function run(options: AcmeOptions = {}): Promise<{ r: ScenarioResult; acme: AcmeConnectors }> {
  const acme = new AcmeConnectors('orders-sink', options);
  const plugins = [acme.plugin(), assertionsPlugin()];
  const loaded = parseScenario(scenario(acme.flavour), { file: 'acme.yaml', plugins });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n'));
  const r = await acme.drive(runScenario(loaded.scenario, { plugins, clock: acme.clock, runId: 'acme-1' }));
  return { r, acme };
}

const summary = (r: ScenarioResult) => `${r.status}: ${r.reason ?? ''}\n${r.expectations.map((e) => `${e.id} ${e.status}: ${e.message}`).join('\n')}`;
const get = (r: ScenarioResult, id: string) => r.expectations.find((e) => e.id === id)!;
/** What a timing verdict measured, exactly: from its evidence (the fault's record, then the sighting that ended the time). */
function measured(r: ScenarioResult, id: string, what: 'detect' | 'recover'): number | undefined {
  const e = get(r, id).evidence;
  const fault = e.find((o) => o.kind === (what === 'detect' ? 'fault.started' : 'fault.ended'));
  const sighting = what === 'detect' ? e.find((o) => o.source === 'acme' && o.receivedAt >= (fault?.receivedAt ?? 0)) : e.filter((o) => o.source === 'acme').at(-1);
  return fault && sighting ? Math.max(0, sighting.receivedAt - fault.receivedAt) : undefined;
}

describe("a third party's observer (source acme, Kafka Connect states) feeds the built-in states and timing", () => {
  it('a healthy run passes, on evidence from acme; the window waited for RUNNING through a long UNASSIGNED', async () => {
    const { r, acme } = await run();
    expect(r.status, summary(r)).toBe('passed');
    for (const e of r.expectations) expect(e.evidence.every((o) => o.source === 'acme' || o.source === 'runtime'), e.id).toBe(true);
    expect(get(r, 'states[0]').evidence.map((o) => (o.data as { state: string }).state)).toEqual(['RUNNING']);
    // UNASSIGNED lasted 3 s, longer than the 2 s quiet period: settling waited for the connector to be at rest.
    const running = acme.history.at(-1)!;
    expect(running.state).toBe('RUNNING');
    expect(r.window.settledAt).toBeGreaterThanOrEqual(running.at + 2_000);
  });

  it("the report's timings are exactly the timing verdict's", async () => {
    const { r } = await run();
    const timing = get(r, 'timing[0]');
    expect(timing.status).toBe('passed');
    expect(r.timings.timeToDetectMs).toBe(measured(r, 'timing[0]', 'detect'));
    expect(r.timings.timeToRecoverMs).toBe(measured(r, 'timing[0]', 'recover'));
    expect(timing.message).toContain(`was ${formatMs(r.timings.timeToDetectMs!)} (<= 1s)`);
    expect(timing.message).toContain(`was ${formatMs(r.timings.timeToRecoverMs!)} (<= 6s)`);
    // Fault at 0, FAILED at 200 ms, seen at the next poll (250 ms); ended at 2 s, RUNNING at 2 s + 300 + 400 + 3000.
    expect(r.timings).toEqual({ timeToDetectMs: 250, timeToRecoverMs: 3_750 });
  });

  it('a broken run (the connector stays FAILED) fails both, saying what the final state means, once it settled', async () => {
    const { r } = await run({ broken: true });
    expect(r.status, summary(r)).toBe('failed');
    expect(r.window.closed).toBe(true);
    expect(get(r, 'states[0]')).toMatchObject({
      status: 'failed',
      message: 'states: orders-sink ended FAILED, expected RUNNING: FAILED is a failed state (seen: RUNNING → FAILED)',
    });
    expect(get(r, 'states[1]').status).toBe('failed');
    expect(get(r, 'timing[0]')).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/^timing: time to recover orders-sink from TASK_KILLED: it did not recover, still FAILED \(#\d+ acme GET http:\/\/acme\.invalid:8083\/connectors\/orders-sink\/status orders-sink=FAILED\) when the window closed$/),
    });
    expect(r.timings).toEqual({ timeToDetectMs: 250 });
  });

  it('a blind acme observer makes a pass error: the sources core checks are the ones the assertions read', async () => {
    const { r } = await run({ blind: { from: 1_000, to: 1_500 } });
    expect(get(r, 'states[0]')).toMatchObject({ status: 'error', message: expect.stringMatching(/^cannot confirm: observer acme was blind from \+1s to \+1.5s \(http:\/\/acme.invalid:8083 unreachable: ECONNREFUSED\)/) });
    expect(r.status).toBe('error');
  });
});

describe('a system kind tester has no preset for: the observer carries its own vocabulary', () => {
  it('healthy UP, transitional WARMING_UP, failed DOWN: passes when healthy, fails when broken', async () => {
    const healthy = await run({ flavour: ACME_DB });
    expect(healthy.r.status, summary(healthy.r)).toBe('passed');
    expect(healthy.r.window.settledAt).toBeGreaterThanOrEqual(healthy.acme.history.at(-1)!.at + 2_000);
    expect(healthy.r.timings.timeToRecoverMs).toBe(measured(healthy.r, 'timing[0]', 'recover'));
    const broken = await run({ flavour: ACME_DB, broken: true });
    expect(get(broken.r, 'states[0]').message).toBe('states: orders-sink ended DOWN, expected UP: DOWN is a failed state (seen: UP → DOWN)');
    expect(broken.r.status).toBe('failed');
  });

  it('untagged, the same states mean nothing to the default vocabulary: the window closes on UNASSIGNED, and the messages say why', async () => {
    const { r } = await run({ flavour: { ...KAFKA_CONNECT, kind: undefined } });
    expect(r.status).toBe('failed');
    expect(get(r, 'states[0]').message).toBe(
      'states: orders-sink ended UNASSIGNED, expected RUNNING: UNASSIGNED is not in the control-plane state vocabulary (seen: RUNNING → FAILED → RESTARTING → UNASSIGNED)',
    );
    expect(get(r, 'timing[0]').message).toMatch(/it did not recover, still UNASSIGNED .* when the window closed$/);
    expect(r.timings.timeToRecoverMs).toBeUndefined();
  });
});
