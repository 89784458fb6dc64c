import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PLUGIN_API_VERSION, definePlugin } from './contract';
import { INPUT_LIMITS } from './input-guard';
import { loadScenario, parseScenario } from './loader';
import { readSimpleYaml } from './simple-yaml';
import type { Scenario } from './scenario-types';
import { seedPlugins } from '../test/fixtures/seed-plugins';

const SEED = `name: mysql_failure
description: MySQL connection failure and recovery
timeout: 120
preconditions:
  - mysql.state == "CONNECTED"
actions:
  - type: CHAOS
    system: mysql
    fault: CONNECTION_LOSS
    duration: 60
expectations:
  states:   [{ system: mysql, final_state: CONNECTED }]
  policies: [{ policy_id: auto-recover, should_fire: true }]
  events:   [{ type: CONNECTION_LOST, count: 1 }]
`;

function ok(source: string, options: Partial<Parameters<typeof parseScenario>[1]> = {}): Scenario {
  const result = parseScenario(source, { file: 'x.yaml', plugins: seedPlugins, env: {}, ...options });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n'));
  return result.scenario;
}

describe('parseScenario', () => {
  it("loads the seed's example unchanged", () => {
    expect(ok(SEED)).toEqual({
      file: 'x.yaml',
      name: 'mysql_failure',
      description: 'MySQL connection failure and recovery',
      timeoutMs: 120_000,
      tags: [],
      systems: ['mysql'],
      variables: {},
      preconditions: [{ expression: 'mysql.state == "CONNECTED"', line: 5, column: 5 }],
      actions: [{ id: 'actions[0]', type: 'CHAOS', plugin: 'fake-chaos', params: { system: 'mysql', fault: 'CONNECTION_LOSS', duration: 60_000 }, line: 7, column: 5 }],
      expectations: [
        { id: 'states[0]', section: 'states', index: 0, plugin: 'fake-assertions', item: { system: 'mysql', final_state: 'CONNECTED' }, line: 12, column: 14 },
        { id: 'policies[0]', section: 'policies', index: 0, plugin: 'fake-assertions', item: { policy_id: 'auto-recover', should_fire: true }, line: 13, column: 14 },
        { id: 'events[0]', section: 'events', index: 0, plugin: 'fake-assertions', item: { type: 'CONNECTION_LOST', count: 1 }, line: 14, column: 14 },
      ],
      window: { afterMs: 0 },
    });
  });

  it("loads the seed README's block form and its bare-constant precondition", () => {
    const scenario = ok(`name: scenario_name
description: What this tests
timeout: 120

preconditions:
  - mysql.state == CONNECTED

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
`);
    expect(scenario.expectations.map((e) => e.id)).toEqual(['states[0]', 'policies[0]', 'events[0]']);
  });

  it('reads tags, systems, window, action ids, string durations and a single mapping as a list of one', () => {
    const scenario = ok(`# yaml-language-server: $schema=./scenario.schema.json
name: t
timeout: 2m
tags: [smoke, mysql]
systems: [mysql, mysql-2]
window: { after: 500ms }
actions:
  - { id: cut, type: CHAOS, system: mysql, fault: LATENCY, duration: 1.5s }
  - { type: HTTP, path: /health }
expectations:
  events: { type: X }
`);
    expect(scenario).toMatchObject({ timeoutMs: 120_000, tags: ['smoke', 'mysql'], systems: ['mysql', 'mysql-2'], window: { afterMs: 500 } });
    expect(scenario.actions.map((a) => [a.id, a.params])).toEqual([
      ['cut', { system: 'mysql', fault: 'LATENCY', duration: 1500 }],
      ['actions[1]', { method: 'GET', path: '/health' }],
    ]);
    expect(scenario.expectations).toEqual([expect.objectContaining({ id: 'events[0]', item: { type: 'X' }, line: 11, column: 11 })]);
  });

  it('reads window.settle and preconditions_timeout into the model, and leaves them unset when absent', () => {
    const scenario = ok(`name: t
timeout: 2m
preconditions_timeout: 20s
preconditions: [mysql.state == CONNECTED]
window: { settle: 3.5s, after: 1s }
actions: [{ type: HTTP, path: /health }]
`);
    expect(scenario.window).toStrictEqual({ afterMs: 1_000, settleMs: 3_500 });
    expect(scenario.preconditionsTimeoutMs).toBe(20_000);
    const defaults = ok('name: t\nwindow: { after: 1s }\nactions: [{ type: HTTP, path: /health }]\n');
    // Unset means "the run's default" (RunOptions.settleMs / preconditionsTimeoutMs), so no key at all.
    expect(defaults.window).toStrictEqual({ afterMs: 1_000 });
    expect(defaults).not.toHaveProperty('preconditionsTimeoutMs');
    expect(ok('name: t\nwindow: { settle: 0 }\nactions: [{ type: HTTP, path: /health }]\n').window).toStrictEqual({ afterMs: 0, settleMs: 0 });
  });

  it('numbers the expectation items within their section', () => {
    const scenario = ok(`name: t
expectations:
  events: [{ type: A }, { type: B }]
  states: { system: mysql }
`);
    expect(scenario.expectations.map((e) => [e.id, e.section, e.index])).toEqual([
      ['events[0]', 'events', 0],
      ['events[1]', 'events', 1],
      ['states[0]', 'states', 0],
    ]);
  });

  it('keeps harmless: true on an action that injects faults, and sets nothing otherwise', () => {
    const scenario = ok(`name: t
actions:
  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 1, harmless: true }
  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 1, harmless: false }
  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 1 }
`);
    expect(scenario.actions.map((a) => a.harmless)).toEqual([true, undefined, undefined]);
    expect(scenario.actions[0]!.params).toEqual({ system: 'mysql', fault: 'LATENCY', duration: 1_000 });
    expect(scenario.actions[1]).not.toHaveProperty('harmless');
  });

  it('refuses harmless: true on an action type that injects no fault, at its position', () => {
    const result = parseScenario('name: t\nactions:\n  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 1 }\n  - { type: HTTP, path: /x, harmless: true }\n', {
      file: 'x.yaml',
      plugins: seedPlugins,
      env: {},
    });
    expect(result).toEqual({
      ok: false,
      problems: [{ file: 'x.yaml', line: 4, column: 39, path: 'actions[1].harmless', message: 'harmless applies to actions that inject a fault, and HTTP injects none: remove it' }],
    });
  });

  it('reads after_fault naming an earlier fault action, and refuses any other name with what it could be', () => {
    const good = ok('name: t\nactions:\n  - { id: cut, type: CHAOS, system: mysql, fault: LATENCY, duration: 1 }\n  - { type: HTTP, path: /repair, after_fault: cut }\n');
    expect(good.actions.map((a) => a.afterFault)).toEqual([undefined, 'cut']);
    const bad = parseScenario(
      'name: t\nactions:\n  - { id: cut, type: CHAOS, system: mysql, fault: LATENCY, duration: 1 }\n  - { id: ping, type: HTTP, path: /x }\n  - { type: HTTP, path: /repair, after_fault: cutt }\n  - { type: HTTP, path: /y, after_fault: ping }\n',
      { file: 'x.yaml', plugins: seedPlugins, env: {} },
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'actions[2].after_fault: after_fault names "cutt", which is not an earlier action that injects a fault (earlier fault actions: cut); did you mean "cut"?',
      'actions[3].after_fault: after_fault names "ping", which is not an earlier action that injects a fault (earlier fault actions: cut); give the id of one',
    ]);
  });

  describe('expectations that need a fault', () => {
    const NO_FAULT = `name: t
actions:
  - { type: HTTP, path: /x }
expectations:
  policies:
    - { policy_id: p }
    - { policy_id: auto-recover, within: 30s }
`;

    it('are refused with their place in a scenario with no fault-injecting action', () => {
      expect(parseScenario(NO_FAULT, { file: 'x.yaml', plugins: seedPlugins, env: {} })).toEqual({
        ok: false,
        problems: [
          {
            file: 'x.yaml',
            line: 7,
            column: 7,
            path: 'expectations.policies[1]',
            message: 'policies within measures from a fault, and no action of this scenario injects one (add a CHAOS action, or remove this item)',
          },
        ],
      });
    });

    it('are accepted once an action injects faults, whatever its type is called', () => {
      expect(ok(NO_FAULT.replace('  - { type: HTTP, path: /x }', '  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 1 }')).expectations).toHaveLength(2);
      // The plugin's definition says so (injectsFaults), not the name CHAOS.
      const [chaos, assertions] = seedPlugins;
      const netem = definePlugin({
        name: 'netem',
        apiVersion: PLUGIN_API_VERSION,
        actions: { NETEM: { schema: z.strictObject({ system: z.string() }), injectsFaults: true, systems: (p: { system: string }) => [p.system], run: async () => ({}) } },
      });
      const withNetem = NO_FAULT.replace('  - { type: HTTP, path: /x }', '  - { type: HTTP, path: /x }\n  - { type: NETEM, system: mysql }');
      const result = parseScenario(withNetem, { file: 'x.yaml', plugins: [chaos!, assertions!, netem], env: {} });
      expect(result.ok).toBe(true);
      // Without a fault-injecting type at all, the message suggests none.
      const noInjector = { ...chaos!, actions: { HTTP: chaos!.actions!.HTTP! } };
      expect(parseScenario(NO_FAULT, { file: 'x.yaml', plugins: [noInjector, assertions!], env: {} })).toMatchObject({
        ok: false,
        problems: [{ path: 'expectations.policies[1]', message: 'policies within measures from a fault, and no action of this scenario injects one' }],
      });
    });

    it('a needsFault that throws is a problem attributed to its plugin, not a crash', () => {
      const [chaos, assertions] = seedPlugins;
      const broken = {
        ...assertions!,
        assertions: { ...assertions!.assertions, policies: { ...assertions!.assertions!.policies!, needsFault: () => { throw new Error('boom'); } } },
      };
      expect(parseScenario(NO_FAULT, { file: 'x.yaml', plugins: [chaos!, broken], env: {} })).toMatchObject({
        ok: false,
        problems: [
          { line: 6, column: 7, path: 'expectations.policies[0]', message: 'plugin "fake-assertions" failed in assertions.policies.needsFault: boom (a bug in the plugin: report it to its authors)' },
          { line: 7, column: 7, path: 'expectations.policies[1]' },
        ],
      });
    });
  });

  it('infers systems from actions when absent (sorted, unique)', () => {
    const scenario = ok(`name: t
actions:
  - { type: CHAOS, system: mysql-3, fault: LATENCY, duration: 1 }
  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 1 }
  - { type: CHAOS, system: mysql-3, fault: ERROR_RATE, duration: 1 }
`);
    expect(scenario.systems).toEqual(['mysql', 'mysql-3']);
  });

  it('substitutes ${var} and ${env:NAME}, keeps numbers numeric, honours $${ and caller overrides', () => {
    const scenario = ok(
      `name: t-\${suffix}
variables:
  system: mysql
  seconds: 30
  suffix: \${env:SUFFIX}
actions:
  - type: CHAOS
    system: \${system}
    fault: LATENCY
    duration: \${seconds}
    params: { note: "literal $\${system}", both: "\${system}/\${seconds}" }
`,
      { env: { SUFFIX: 'ci' }, variables: { seconds: '5' } },
    );
    expect(scenario.name).toBe('t-ci');
    expect(scenario.variables).toEqual({ system: 'mysql', seconds: '5', suffix: 'ci' });
    expect(scenario.actions[0]!.params).toEqual({ system: 'mysql', fault: 'LATENCY', duration: 5000, params: { note: 'literal ${system}', both: 'mysql/5' } });
  });

  it('gives a whole-reference value the type its schema expects, and leaves strings strings', () => {
    const scenario = ok(`name: \${version}
variables: { version: 2, n: 3, fire: false }
actions:
  - type: CHAOS
    system: \${version}
    fault: LATENCY
    duration: \${n}
expectations:
  events: [{ type: X, count: "\${n}" }]
  policies:
    policy_id: p
    should_fire: \${fire}
`);
    expect(scenario.name).toBe('2');
    expect(scenario.actions[0]!.params).toEqual({ system: '2', fault: 'LATENCY', duration: 3000 });
    expect(scenario.expectations.map((e) => e.item)).toEqual([{ type: 'X', count: 3 }, { policy_id: 'p', should_fire: false }]);
  });

  it('reads a scenario of plain YAML fast exactly as yaml reads it: values, positions, problems', () => {
    // A tab anywhere (here in a trailing comment) is outside what the fast reader reads: yaml reads that copy.
    const byYaml = (source: string) => `${source}#\tread by yaml\n`;
    const block = `# a comment
name: "t \u00e9"
description: >
  folded
  text
timeout: 2m
tags: [smoke, 'it''s']
preconditions:
  - mysql.state == CONNECTED
actions:
- id: cut
  type: CHAOS
  system: mysql   # trailing comment
  fault: LATENCY
  duration: 1.5s
-   type: HTTP
    path: /health
expectations:
  events:
    # between
    - { type: A, count: 2 }
    - type: B
  states: { system: mysql }
  policies:
    policy_id: p
    should_fire: false
`;
    for (const source of [SEED, block]) {
      expect(readSimpleYaml(source, INPUT_LIMITS)).toBeDefined();
      const fast = parseScenario(source, { file: 'x.yaml', plugins: seedPlugins, env: {} });
      expect(fast.ok).toBe(true);
      expect(fast).toEqual(parseScenario(byYaml(source), { file: 'x.yaml', plugins: seedPlugins, env: {} }));
    }
    // Any problem and the file is read by yaml, whose messages and places stay as they were.
    const bad = block.replace('duration: 1.5s', 'duration: soon');
    const problems = parseScenario(bad, { file: 'x.yaml', plugins: seedPlugins, env: {} });
    expect(problems.ok).toBe(false);
    expect(problems).toEqual(parseScenario(byYaml(bad), { file: 'x.yaml', plugins: seedPlugins, env: {} }));
  });

  it('never throws on garbage input', () => {
    const inputs = ['{', ':', '- - -', '\t', 'name: [', '!!binary x', '&a [*a]', 'a: *b', 'name: t\nactions: [1, "x", null]', 'name: t\nexpectations: { events: [1] }', '\u0000'];
    for (const source of inputs) {
      const result = parseScenario(source, { file: 'g.yaml', plugins: seedPlugins, env: {} });
      expect(result.ok, source).toBe(false);
    }
  });

  it("reports a plugin whose systems() throws as a problem, attributed", () => {
    const [chaos, assertions] = seedPlugins;
    const broken = { ...chaos!, actions: { ...chaos!.actions, CHAOS: { ...chaos!.actions!.CHAOS!, systems: () => { throw new Error('boom'); } } } };
    const result = parseScenario('name: t\nactions:\n  - { type: CHAOS, system: a, fault: LATENCY, duration: 1 }\n', { file: 'x.yaml', plugins: [broken, assertions!], env: {} });
    expect(result).toEqual({ ok: false, problems: [{ file: 'x.yaml', line: 3, column: 5, path: 'actions[0]', message: 'plugin "fake-chaos" failed in actions.CHAOS.systems: boom: declare systems: in the scenario, or fix the plugin' }] });
    expect(parseScenario('name: t\nsystems: [a]\nactions:\n  - { type: CHAOS, system: a, fault: LATENCY, duration: 1 }\n', { file: 'x.yaml', plugins: [broken, assertions!], env: {} }).ok).toBe(true);
  });

  it('reports a plugin schema that throws as a problem, not a crash', () => {
    const [chaos, assertions] = seedPlugins;
    const throwing = z.object({}).superRefine(() => {
      throw new Error('refine exploded');
    });
    const broken = { ...chaos!, actions: { ...chaos!.actions, CHAOS: { ...chaos!.actions!.CHAOS!, schema: throwing } } };
    const result = parseScenario('name: t\nactions:\n  - type: CHAOS\n', { file: 'x.yaml', plugins: [broken, assertions!], env: {} });
    expect(result).toEqual({ ok: false, problems: [{ file: 'x.yaml', line: 3, column: 5, path: 'actions[0]', message: 'plugin "fake-chaos" failed in actions.CHAOS.schema: refine exploded (a bug in the plugin: report it to its authors)' }] });
  });

  it('reports a plugin-less action type with the known types', () => {
    const result = parseScenario('name: t\nactions: [{ type: CHAOS }]\n', { file: 'x.yaml', plugins: [], env: {} });
    expect(result).toEqual({ ok: false, problems: [{ file: 'x.yaml', line: 2, column: 19, path: 'actions[0].type', message: 'unknown action type "CHAOS" (known types: none: no plugin provides actions)' }] });
  });
});

describe('loadScenario', () => {
  it('reads a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'core-load-'));
    const file = join(dir, 'seed.yaml');
    writeFileSync(file, SEED);
    const result = await loadScenario(file, { plugins: seedPlugins, env: {} });
    expect(result.ok && result.scenario.file).toBe(file);
  });

  it('returns an unreadable file as a problem, not a throw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'core-load-'));
    expect(await loadScenario(join(dir, 'nope.yaml'), { plugins: seedPlugins })).toEqual({
      ok: false,
      problems: [{ file: join(dir, 'nope.yaml'), line: 1, column: 1, path: '', message: 'cannot read the scenario: no such file' }],
    });
    expect(await loadScenario(dir, { plugins: seedPlugins })).toMatchObject({ ok: false, problems: [{ message: 'cannot read the scenario: is a directory, expected a .yaml file' }] });
  });
});
