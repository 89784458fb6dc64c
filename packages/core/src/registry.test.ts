import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PLUGIN_API_VERSION } from './contract';
import { assertPluginApi, pluginShapeProblem, registryFor } from './registry';

describe('pluginShapeProblem and assertPluginApi', () => {
  it('accepts a plugin of the contract shape', () => {
    const plugin = { name: 'p', apiVersion: PLUGIN_API_VERSION, actions: { X: { schema: z.object({}), run: async () => undefined } } };
    expect(pluginShapeProblem(plugin)).toBeUndefined();
    expect(() => assertPluginApi(plugin)).not.toThrow();
  });

  it('describes what is wrong without throwing, whatever the value', () => {
    const cyclic: Record<string, unknown> = { name: '', apiVersion: PLUGIN_API_VERSION };
    cyclic.self = cyclic;
    const getter = Object.defineProperty({ name: 'g', apiVersion: PLUGIN_API_VERSION }, 'actions', { get: () => { throw new Error('boom'); }, enumerable: true });
    expect(pluginShapeProblem(null)).toBe('expected a plugin object made with definePlugin({ name, apiVersion, ... }), got null');
    expect(pluginShapeProblem(42)).toBe('expected a plugin object made with definePlugin({ name, apiVersion, ... }), got number 42');
    expect(pluginShapeProblem(cyclic)).toBe('not a valid tester plugin: name: expected a non-empty string, got string ""');
    expect(pluginShapeProblem({ name: 'n', apiVersion: 1, actions: { FOO: null } })).toBe('not a valid tester plugin: actions.FOO: expected an object, got null');
    expect(pluginShapeProblem({ name: 'n', apiVersion: 1, assertions: { s: { schema: {} } } })).toBe(
      'not a valid tester plugin: assertions.s.schema: expected a zod schema, got a mapping; assertions.s.create: expected a function, got nothing',
    );
    expect(pluginShapeProblem(getter)).toBe('not a valid tester plugin: reading actions threw (boom)');
  });

  it('says which API version a plugin targets before judging its shape', () => {
    expect(() => assertPluginApi({ name: 'old', apiVersion: 99 } as never)).toThrow(expect.objectContaining({ code: 'PLUGIN_API_MISMATCH' }));
    expect(() => assertPluginApi({ name: 'n', apiVersion: 1, actions: { FOO: null } } as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: 'plugin "n": not a valid tester plugin: actions.FOO: expected an object, got null' }),
    );
  });
});

describe('registryFor', () => {
  const plugin = (name: string, type: string) => ({ name, apiVersion: PLUGIN_API_VERSION, actions: { [type]: { schema: z.object({}), run: async () => undefined } } });

  it('indexes a plugin set once, and again when the set changed', () => {
    const plugins = [plugin('a', 'A')];
    const first = registryFor(plugins);
    expect(registryFor(plugins)).toBe(first);
    expect([...first.actions.keys()]).toEqual(['A']);
    plugins.push(plugin('b', 'B'));
    expect([...registryFor(plugins).actions.keys()]).toEqual(['A', 'B']);
    plugins[1] = plugin('c', 'C');
    expect([...registryFor(plugins).actions.keys()]).toEqual(['A', 'C']);
    expect(registryFor([...plugins])).not.toBe(registryFor(plugins));
  });

  it('throws for a broken set every time, never remembering it', () => {
    const plugins = [plugin('a', 'A'), plugin('b', 'A')];
    expect(() => registryFor(plugins)).toThrow(/action type A is provided by both "a" and "b"/);
    expect(() => registryFor(plugins)).toThrow(/action type A is provided by both "a" and "b"/);
  });
});
