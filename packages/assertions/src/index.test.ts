import { PLUGIN_API_VERSION, parseScenario, scenarioJsonSchema, definePlugin, z, formatProblem } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { assertionsPlugin } from './index';

/** The CHAOS action type, so that scenarios load; assertions themselves contribute none. */
const chaos = definePlugin({
  name: 'chaos-only',
  apiVersion: PLUGIN_API_VERSION,
  actions: { CHAOS: { schema: z.strictObject({ system: z.string(), fault: z.string(), duration: z.number() }), run: async () => undefined } },
});

const SEED = `
name: scenario_name
description: What this tests
timeout: 120
actions:
  - type: CHAOS
    system: mysql
    fault: CONNECTION_LOSS
    duration: 60
expectations:
  states:
    - system: mysql
      final_state: CONNECTED
  policies:
    - policy_id: auto-recover
      should_fire: true
  events:
    - type: CONNECTION_LOST
      count: 1
`;

describe('assertionsPlugin', () => {
  it('contributes the five sections under the plugin contract', () => {
    const plugin = assertionsPlugin();
    expect(plugin.name).toBe('@tester/assertions');
    expect(plugin.apiVersion).toBe(PLUGIN_API_VERSION);
    expect(Object.keys(plugin.assertions ?? {})).toEqual(['states', 'policies', 'events', 'metrics', 'timing']);
  });

  it("loads the seed's scenario with its keys exactly as written", () => {
    const r = parseScenario(SEED, { file: 'seed.yaml', plugins: [chaos, assertionsPlugin()] });
    expect(r.ok && r.scenario.expectations.map((e) => [e.id, e.plugin])).toEqual([
      ['states[0]', '@tester/assertions'],
      ['policies[0]', '@tester/assertions'],
      ['events[0]', '@tester/assertions'],
    ]);
  });

  it('reports a bad item at its file:line:col with the field path', () => {
    const bad = SEED.replace('count: 1', 'count: one').replace('final_state: CONNECTED', 'finalstate: CONNECTED');
    const r = parseScenario(bad, { file: 'seed.yaml', plugins: [chaos, assertionsPlugin()] });
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : r.problems.map(formatProblem);
    expect(lines.join('\n')).toMatch(/seed\.yaml:\d+:\d+ expectations\.events\[0\]\.count: expected a number, got string "one"/);
    expect(lines.join('\n')).toMatch(/seed\.yaml:\d+:\d+ expectations\.states\[0\]\.finalstate: unknown key "finalstate"; did you mean "final_state"\?/);
  });

  it('yields a JSON Schema for editors', () => {
    const schema = JSON.stringify(scenarioJsonSchema([chaos, assertionsPlugin()]));
    for (const key of ['final_state', 'should_fire', 'no_duplicates', 'quantile', 'time_to_recover']) expect(schema).toContain(`"${key}"`);
  });
});
