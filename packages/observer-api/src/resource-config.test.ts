import { describe, expect, it } from 'vitest';
import { decodeStates } from './generic-resources';
import { parseApiConfig } from './index';

const resource = (over: Record<string, unknown> = {}) => ({ name: 'connectors', get: '/connectors?expand=status', states: '$', ...over });
const problem = (options: unknown): string => {
  try {
    parseApiConfig(options);
  } catch (error) {
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    return (error as Error).message;
  }
  return expect.unreachable('the config was accepted');
};

describe('api config: resources', () => {
  it('compiles every query when parsed: a syntax error names the field and the column', () => {
    const message = problem({ resources: [resource(), resource({ name: 'status', states: '$.{ "system" name, "state": state }' })] });
    expect(message).toMatch(/^@tester\/observer-api config api\.resources\[1\]\.states: the JSONata query does not compile at column 17 near "name": Expected ":", got "name" \[S0202\]\n {2}query: \$\.\{ "system" name/);
    expect(message).toMatch(/\nFix the query; see https:\/\/docs\.jsonata\.org\.\nFix the plugin options/);
    expect(problem({ resources: [resource({ get: '/c/{item}', each: { get: '/c', items: 'names.$[' } })] })).toMatch(/config api\.resources\[0\]\.each\.items: the JSONata query does not compile at column 8 near "\(end\)"/);
    expect(problem({ fields: { chaos: { query: 'id = = 2' } } })).toMatch(/config api\.fields\.chaos\.query: the JSONata query does not compile at column 6 near "="/);
  });

  it('refuses unknown kinds, clashing names and a get that does not fit each', () => {
    expect(problem({ resources: [resource({ kind: 'kafka' })] })).toMatch(/config resources\[0\]\.kind: unknown kind "kafka": tester knows control-plane, kafka-connect; for another kind, give its vocabulary/);
    expect(problem({ resources: [resource({ name: 'systems' })] })).toMatch(/resources\[0\]\.name: "systems" is a built-in resource/);
    expect(problem({ resources: [resource(), resource()] })).toMatch(/resources\[1\]\.name: "connectors" names two resources/);
    expect(problem({ resources: [resource({ name: 'a b' })] })).toMatch(/resources\[0\]\.name: expected a name of letters/);
    expect(problem({ resources: [resource({ each: ['a'] })] })).toMatch(/resources\[0\]\.get: a resource with each must put \{item\} in get/);
    expect(problem({ resources: [resource({ get: '/c/{item}/status' })] })).toMatch(/resources\[0\]\.get: \{item\} needs each/);
    expect(problem({ resources: [resource({ vocabulary: { healthy: [] } })] })).toMatch(/resources\[0\]\.vocabulary\.healthy/);
    expect(problem({ resources: [resource({ colour: 1 })] })).toMatch(/resources\[0\]\.colour: unknown key "colour" \(accepted keys: name, get, each, states, kind, vocabulary, catalog\)/);
  });

  it('accepts an own vocabulary for a kind tester does not know', () => {
    const c = parseApiConfig({ resources: [resource({ kind: 'batch', vocabulary: { healthy: ['Running'], failed: ['Failed'] } })] });
    expect(c.resources[0]).toMatchObject({ kind: 'batch', vocabulary: { healthy: ['Running'], failed: ['Failed'] }, catalog: true });
  });

  it('polls the built-in resources unless resources are listed; observe says otherwise', () => {
    expect(parseApiConfig({}).observe).toEqual({ systems: true, policies: true, chaos: true, drift: true, reconciliations: true });
    expect(parseApiConfig({ observe: { drift: false } }).observe.drift).toBe(false);
    expect(parseApiConfig({ resources: [resource()] }).observe).toEqual({ systems: false, policies: false, chaos: false, drift: false, reconciliations: false });
    expect(parseApiConfig({ resources: [resource()], observe: { systems: true } }).observe.systems).toBe(true);
  });
});

describe('decodeStates', () => {
  it('takes a list, nested lists, one object or no result', () => {
    expect(decodeStates([{ system: 'a', state: 'RUNNING' }, [{ system: 'a/task-0', state: 'FAILED', detail: 'x' }]])).toEqual({
      ok: true,
      states: [{ system: 'a', state: 'RUNNING' }, { system: 'a/task-0', state: 'FAILED', detail: 'x' }],
    });
    expect(decodeStates({ system: 'a', state: 'RUNNING', since: 17 })).toEqual({ ok: true, states: [{ system: 'a', state: 'RUNNING', since: 17 }] });
    expect(decodeStates(undefined)).toEqual({ ok: true, states: [] });
  });

  it('names what does not fit', () => {
    expect(decodeStates('RUNNING')).toEqual({ ok: false, problem: 'yielded "RUNNING"' });
    expect(decodeStates([{ system: 'a' }])).toEqual({ ok: false, problem: 'yielded no state in item 0 {"system":"a"}' });
    expect(decodeStates([{ system: 'a', state: 'X' }, { system: '', state: 'X' }])).toMatchObject({ problem: 'yielded system "" in item 1 {"system":"","state":"X"}' });
    expect(decodeStates([null])).toMatchObject({ problem: 'yielded null as item 0' });
    expect(decodeStates([{ system: 'a', state: 'X', since: {} }])).toMatchObject({ problem: 'yielded since {} in item 0 (expected an ISO time or epoch ms)' });
  });

  it('bounds a long detail', () => {
    const decoded = decodeStates({ system: 'a', state: 'FAILED', detail: 'at x\n'.repeat(1000) });
    expect(decoded.ok && (decoded.states[0]!.detail as string).length).toBe(1001);
  });
});
