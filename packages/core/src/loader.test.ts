import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadScenario, parseScenario } from './loader';
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
        { id: 'states[0]', section: 'states', plugin: 'fake-assertions', item: { system: 'mysql', final_state: 'CONNECTED' }, line: 12, column: 14 },
        { id: 'policies[0]', section: 'policies', plugin: 'fake-assertions', item: { policy_id: 'auto-recover', should_fire: true }, line: 13, column: 14 },
        { id: 'events[0]', section: 'events', plugin: 'fake-assertions', item: { type: 'CONNECTION_LOST', count: 1 }, line: 14, column: 14 },
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
