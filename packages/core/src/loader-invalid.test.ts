import { describe, expect, it } from 'vitest';
import { parseScenario } from './loader';
import { formatProblem } from './scenario-types';
import { seedPlugins } from '../test/fixtures/seed-plugins';

/**
 * Invalid scenarios, each with the exact problems (`file:line:col path: message`) the loader reports.
 * [name, source, expected problems]
 */
const invalid: Array<[string, string, string[]]> = [
  ["yaml syntax", "name: t\nactions:\n  - type: CHAOS\n   system: mysql\n", ["s.yaml:4:1: YAML syntax error: Sequence item without - indicator"]],
  ["empty", "", ["s.yaml:1:1: the scenario is empty: expected a mapping with at least name and actions"]],
  ["list root", "- a\n- b\n", ["s.yaml:1:1: expected a mapping (name:, actions:, expectations:, ...), got a list"]],
  ["missing name", "description: x\n", ["s.yaml:1:1 name: missing required key \"name\": expected a string"]],
  ["name number", "name: 5\n", ["s.yaml:1:7 name: expected a string, got number 5"]],
  ["unknown top key", "name: t\ntimout: 5\n", ["s.yaml:2:1 timout: unknown key \"timout\"; did you mean \"timeout\"? (accepted keys: name, description, timeout, tags, systems, variables, preconditions, preconditions_timeout, actions, expectations, window)"]],
  ["far unknown key", "name: t\nzzzzzz: 1\n", ["s.yaml:2:1 zzzzzz: unknown key \"zzzzzz\" (accepted keys: name, description, timeout, tags, systems, variables, preconditions, preconditions_timeout, actions, expectations, window)"]],
  ["bad timeout", "name: t\ntimeout: soon\n", ["s.yaml:2:10 timeout: expected a duration such as 30, \"500ms\", \"1.5s\", \"2m\" or \"1h\", got string \"soon\""]],
  ["negative timeout", "name: t\ntimeout: -5\n", ["s.yaml:2:10 timeout: expected a duration of more than 0, got -5"]],
  ["tags not list", "name: t\ntags: smoke\n", ["s.yaml:2:7 tags: expected a list, got string \"smoke\""]],
  ["preconditions not list", "name: t\npreconditions: mysql.state == CONNECTED\n", ["s.yaml:2:16 preconditions: expected a list, got string \"mysql.state == CONNECTED\""]],
  ["bad cel", "name: t\npreconditions:\n  - mysql.state == == CONNECTED\n", ["s.yaml:3:20 preconditions[0]: invalid CEL expression \"mysql.state == == CONNECTED\": Unexpected token: EQ (at character 16)"]],
  ["bad cel quoted", "name: t\npreconditions:\n  - \"mysql.state = \\\"x\\\"\"\n", ["s.yaml:3:18 preconditions[0]: invalid CEL expression \"mysql.state = \\\"x\\\"\": Unexpected character: = (at character 13)"]],
  ["actions mapping", "name: t\nactions:\n  type: CHAOS\n", ["s.yaml:3:3 actions: expected a list, got a mapping"]],
  ["action no type", "name: t\nactions:\n  - system: mysql\n", ["s.yaml:3:5 actions[0].type: missing required key \"type\": expected a string"]],
  ["action unknown type", "name: t\nactions:\n  - type: CHAOZ\n    system: mysql\n", ["s.yaml:3:11 actions[0].type: unknown action type \"CHAOZ\"; did you mean \"CHAOS\"? (known types: CHAOS, HTTP)"]],
  ["action lowercase type", "name: t\nactions:\n  - type: chaos\n", ["s.yaml:3:11 actions[0].type: unknown action type \"chaos\"; did you mean \"CHAOS\"? (known types: CHAOS, HTTP)"]],
  ["action missing fields", "name: t\nactions:\n  - type: CHAOS\n", ["s.yaml:3:5 actions[0].system: missing required key \"system\": expected a string","s.yaml:3:5 actions[0].fault: missing required key \"fault\": expected one of CONNECTION_LOSS, LATENCY, ERROR_RATE","s.yaml:3:5 actions[0].duration: missing required key \"duration\": expected a number or a string"]],
  ["action misspelt key", "name: t\nactions:\n  - type: CHAOS\n    system: mysql\n    falt: CONNECTION_LOSS\n    duration: 5\n", ["s.yaml:3:5 actions[0].fault: missing required key \"fault\": expected one of CONNECTION_LOSS, LATENCY, ERROR_RATE","s.yaml:5:5 actions[0].falt: unknown key \"falt\"; did you mean \"fault\"? (accepted keys: system, fault, duration, params)"]],
  ["action bad enum", "name: t\nactions:\n  - type: CHAOS\n    system: mysql\n    fault: CONECTION_LOSS\n    duration: 5\n", ["s.yaml:5:12 actions[0].fault: expected one of CONNECTION_LOSS, LATENCY, ERROR_RATE, got string \"CONECTION_LOSS\"; did you mean \"CONNECTION_LOSS\"?"]],
  ["action bad duration", "name: t\nactions:\n  - type: CHAOS\n    system: mysql\n    fault: LATENCY\n    duration: 5 minutes\n", ["s.yaml:6:15 actions[0].duration: expected a duration such as 30, \"500ms\", \"1.5s\", \"2m\" or \"1h\", got string \"5 minutes\""]],
  ["action duplicate id", "name: t\nactions:\n  - { id: a, type: HTTP, path: /x }\n  - { id: a, type: HTTP, path: /y }\n", ["s.yaml:4:11 actions[1].id: duplicate action id \"a\" (also used by actions[0]): ids must be unique"]],
  ["action bad path", "name: t\nactions:\n  - type: HTTP\n    path: api\n    method: PATCH\n", ["s.yaml:4:11 actions[0].path: expected a string starting with \"/\", got string \"api\"","s.yaml:5:13 actions[0].method: expected one of GET, POST, PUT, DELETE, got string \"PATCH\""]],
  ["expectations list", "name: t\nexpectations:\n  - states\n", ["s.yaml:3:3 expectations: expected a mapping, got a list"]],
  ["unknown section", "name: t\nexpectations:\n  event:\n    - type: X\n", ["s.yaml:3:3 expectations.event: unknown expectation section \"event\"; did you mean \"events\"? (known sections: states, policies, events)"]],
  ["section scalar", "name: t\nexpectations:\n  events: CONNECTION_LOST\n", ["s.yaml:3:11 expectations.events: expected a list of events items (or one mapping), got string \"CONNECTION_LOST\""]],
  ["item misspelt", "name: t\nexpectations:\n  events:\n    - type: X\n      cont: 1\n", ["s.yaml:5:7 expectations.events[0].cont: unknown key \"cont\"; did you mean \"count\"? (accepted keys: type, count, where)"]],
  ["item bad count", "name: t\nexpectations:\n  events:\n    - type: X\n      count: one\n", ["s.yaml:5:14 expectations.events[0].count: expected a number, got string \"one\""]],
  ["item fractional count", "name: t\nexpectations:\n  events:\n    - type: X\n      count: 1.5\n", ["s.yaml:5:14 expectations.events[0].count: expected a whole number, got number 1.5"]],
  ["item negative count", "name: t\nexpectations:\n  events: [{ type: X, count: -1 }]\n", ["s.yaml:3:30 expectations.events[0].count: expected a value >= 0, got number -1"]],
  ["item enum flow", "name: t\nexpectations:\n  states: { system: mysql, final_state: CONECTED }\n", ["s.yaml:3:41 expectations.states[0].final_state: expected one of CONNECTED, DEGRADED, DISCONNECTED, RECOVERING, got string \"CONECTED\"; did you mean \"CONNECTED\"?"]],
  ["item missing", "name: t\nexpectations:\n  policies:\n    - should_fire: yes\n", ["s.yaml:4:7 expectations.policies[0].policy_id: missing required key \"policy_id\": expected a string","s.yaml:4:20 expectations.policies[0].should_fire: expected true or false, got string \"yes\""]],
  ["unknown var", "name: t\nvariables:\n  sys: mysql\nactions:\n  - type: CHAOS\n    system: ${sytem}\n    fault: LATENCY\n    duration: 1\n", ["s.yaml:6:13 actions[0].system: unknown variable \"sytem\" (defined: sys; define it under variables: or pass it with --var sytem=...)"]],
  ["missing env", "name: t\nactions:\n  - type: HTTP\n    path: /${env:NOPE_NOT_SET}\n", ["s.yaml:4:11 actions[0].path: environment variable NOPE_NOT_SET is not set (referenced as \"${env:NOPE_NOT_SET}\"): set it, or use a scenario variable"]],
  ["var in variables", "name: t\nvariables:\n  a: ${b}\n", ["s.yaml:3:6 variables.a: \"${b}\": only ${env:NAME} can be used inside variables"]],
  ["window unknown", "name: t\nwindow:\n  afer: 5s\n", ["s.yaml:3:3 window.afer: unknown key \"afer\"; did you mean \"after\"? (accepted keys: settle, after)"]],
  ["window bad", "name: t\nwindow:\n  after: later\n", ["s.yaml:3:10 window.after: expected a duration such as 30, \"500ms\", \"1.5s\", \"2m\" or \"1h\", got string \"later\""]],
  ["window settle bad", "name: t\nwindow:\n  settle: a while\n", ["s.yaml:3:11 window.settle: expected a duration such as 30, \"500ms\", \"1.5s\", \"2m\" or \"1h\", got string \"a while\""]],
  ["preconditions timeout bad", "name: t\npreconditions_timeout: -1\n", ["s.yaml:2:24 preconditions_timeout: expected a duration of 0 or more, got -1"]],
  ["harmless not boolean", "name: t\nactions:\n  - { type: CHAOS, system: mysql, fault: LATENCY, duration: 5, harmless: yes }\n", ["s.yaml:3:74 actions[0].harmless: expected true or false, got string \"yes\""]],
  ["harmless without a fault", "name: t\nactions:\n  - type: HTTP\n    path: /health\n    harmless: true\n", ["s.yaml:5:15 actions[0].harmless: harmless applies to actions that inject a fault, and HTTP injects none: remove it"]],
  ["needs a fault", "name: t\nactions:\n  - { type: HTTP, path: /x }\nexpectations:\n  policies:\n    - { policy_id: p }\n    - { policy_id: auto-recover, within: 30s }\n", ["s.yaml:7:7 expectations.policies[1]: policies within measures from a fault, and no action of this scenario injects one (add a CHAOS action, or remove this item)"]],
  ["needs a fault, no actions", "name: t\nexpectations:\n  policies: { policy_id: auto-recover, within: 30s }\n", ["s.yaml:3:13 expectations.policies[0]: policies within measures from a fault, and no action of this scenario injects one (add a CHAOS action, or remove this item)"]],
  ["duplicate key", "name: t\nname: u\n", ["s.yaml:2:1: YAML syntax error: Map keys must be unique"]],
  ["unquoted reference in flow", "name: t\nactions:\n  - { type: CHAOS, system: ${s} }\n", ["s.yaml:3:29: YAML syntax error: Unexpected flow-map-start at node end (a ${...} reference inside { } or [ ] must be quoted: \"${name}\") (2 more syntax error(s) may follow from it)"]],
  ["many at once", "name: t\ntimout: 5\nactions:\n  - type: CHAOZ\nexpectations:\n  evnts: []\n", ["s.yaml:2:1 timout: unknown key \"timout\"; did you mean \"timeout\"? (accepted keys: name, description, timeout, tags, systems, variables, preconditions, preconditions_timeout, actions, expectations, window)","s.yaml:4:11 actions[0].type: unknown action type \"CHAOZ\"; did you mean \"CHAOS\"? (known types: CHAOS, HTTP)","s.yaml:6:3 expectations.evnts: unknown expectation section \"evnts\"; did you mean \"events\"? (known sections: states, policies, events)"]],];

describe('invalid scenarios: every problem, with position, expected vs found, and did-you-mean', () => {
  it('has at least 25 cases', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(25);
  });
  it.each(invalid)('%s', (_name, source, expected) => {
    const result = parseScenario(source, { file: 's.yaml', plugins: seedPlugins, env: {} });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual(expected);
  });
});
