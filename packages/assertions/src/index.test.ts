import { PLUGIN_API_VERSION, definePlugin, z } from '@tester/core';
import { parseScenario, scenarioJsonSchema, formatProblem } from '@tester/core/runner';
import { describe, expect, it } from 'vitest';
import { assertionsPlugin } from './index';

/** The CHAOS action type (it injects faults), so that scenarios load; assertions themselves contribute none. */
const chaos = definePlugin({
  name: 'chaos-only',
  apiVersion: PLUGIN_API_VERSION,
  actions: {
    CHAOS: { schema: z.strictObject({ system: z.string(), fault: z.string(), duration: z.number() }), injectsFaults: true, run: async () => undefined },
    HTTP: { schema: z.strictObject({ url: z.string() }), run: async () => undefined },
  },
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

  it('refuses, at validation, items that measure from a fault in a scenario that injects none, at their place', () => {
    const noFault = (expectations: string) =>
      parseScenario(`name: no_fault\nactions:\n  - type: HTTP\n    url: http://127.0.0.1:8080/health\nexpectations:\n${expectations}`, {
        file: 'nofault.yaml',
        plugins: [chaos, assertionsPlugin()],
      });
    const r = noFault(
      [
        '  states:',
        '    - system: mysql',
        '      final_state: CONNECTED',
        '    - system: mysql',
        '      within: { state: CONNECTED, max: 5s }',
        '  policies:',
        '    - policy_id: auto-recover',
        '      within: 5s',
        '  events:',
        '    - type: CONNECTION_LOST',
        '      within: 5s',
        '  timing:',
        '    - time_to_recover: 5s',
      ].join('\n'),
    );
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : r.problems.map(formatProblem);
    expect(lines).toEqual([
      'nofault.yaml:9:7 expectations.states[1]: states within measures from a fault, and no action of this scenario injects one (add a CHAOS action, or remove this item)',
      'nofault.yaml:12:7 expectations.policies[0]: policies within measures from a fault, and no action of this scenario injects one (add a CHAOS action, or remove this item)',
      'nofault.yaml:15:7 expectations.events[0]: events within measures from a fault, and no action of this scenario injects one (add a CHAOS action, or remove this item)',
      'nofault.yaml:18:7 expectations.timing[0]: timing measures the time to detect and to recover from a fault, and no action of this scenario injects one (add a CHAOS action, or remove this item)',
    ]);
    // Items that need no fault are fine without one; the same items are fine with a CHAOS action.
    expect(noFault('  states:\n    - system: mysql\n      final_state: CONNECTED\n  events:\n    - type: CONNECTION_LOST\n      absent: true\n').ok).toBe(true);
    const withFault = parseScenario(SEED.replace('  events:\n', '  events:\n    - type: CONNECTION_LOST\n      within: 5s\n').concat('  timing:\n    - time_to_recover: 5s\n'), {
      file: 'seed.yaml',
      plugins: [chaos, assertionsPlugin()],
    });
    expect(withFault.ok ? [] : withFault.problems.map(formatProblem)).toEqual([]);
    expect(withFault.ok && withFault.scenario.expectations.map((e) => e.id)).toEqual(['states[0]', 'policies[0]', 'events[0]', 'events[1]', 'timing[0]']);
  });

  it('declares which items need a fault', () => {
    const sections = assertionsPlugin().assertions!;
    const needs = (section: string, item: unknown) => sections[section]!.needsFault?.(sections[section]!.schema.parse(item));
    expect(needs('states', { system: 'mysql', final_state: 'CONNECTED' })).toBeUndefined();
    expect(needs('states', { system: 'mysql', final_state: 'CONNECTED', within: '5s' })).toBe('states within measures from a fault');
    expect(needs('policies', { policy_id: 'p', should_fire: true })).toBeUndefined();
    expect(needs('policies', { policy_id: 'p', within: { after: 'fault_end', max: 5 } })).toBe('policies within measures from a fault');
    expect(needs('events', { type: 'X', count: 1 })).toBeUndefined();
    expect(needs('events', { type: 'X', within: 5 })).toBe('events within measures from a fault');
    expect(needs('timing', { time_to_detect: '1s' })).toBe('timing measures the time to detect and to recover from a fault');
  });

  it('yields a JSON Schema for editors', () => {
    const schema = JSON.stringify(scenarioJsonSchema([chaos, assertionsPlugin()]));
    for (const key of ['final_state', 'should_fire', 'no_duplicates', 'quantile', 'time_to_recover']) expect(schema).toContain(`"${key}"`);
  });
});
