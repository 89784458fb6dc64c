/** Indexes plugins' action types and expectation sections, and checks each plugin's API version. */
import { type ActionDefinition, type AssertionDefinition, PLUGIN_API_VERSION, type TesterPlugin } from './contract';
import { ErrorCodes, PluginApiMismatchError, TesterError } from './errors';

/** Where an action type or an expectation section comes from. */
export interface Provided<D> {
  plugin: TesterPlugin;
  definition: D;
}

/** The action types and expectation sections a set of plugins provides. */
export interface PluginRegistry {
  plugins: readonly TesterPlugin[];
  actions: Map<string, Provided<ActionDefinition>>;
  assertions: Map<string, Provided<AssertionDefinition>>;
}

/**
 * Throws {@link PluginApiMismatchError} (`PLUGIN_API_MISMATCH`) unless `plugin` targets {@link PLUGIN_API_VERSION},
 * and `CONFIG_INVALID` when it is not a plugin object at all.
 */
export function assertPluginApi(plugin: TesterPlugin): void {
  if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string' || !plugin.name) {
    throw new TesterError(ErrorCodes.CONFIG_INVALID, `not a tester plugin: expected an object made with definePlugin({ name, apiVersion, ... }), got ${JSON.stringify(plugin)}`);
  }
  if (plugin.apiVersion !== PLUGIN_API_VERSION) throw new PluginApiMismatchError(plugin.name, plugin.apiVersion, PLUGIN_API_VERSION);
}

/**
 * Builds the registry. Two plugins providing the same action type or section is a configuration error
 * (`CONFIG_INVALID`), because which one runs would depend on the order of the config file.
 */
export function createRegistry(plugins: readonly TesterPlugin[]): PluginRegistry {
  const actions = new Map<string, Provided<ActionDefinition>>();
  const assertions = new Map<string, Provided<AssertionDefinition>>();
  for (const plugin of plugins) {
    assertPluginApi(plugin);
    for (const [type, definition] of Object.entries(plugin.actions ?? {})) {
      const other = actions.get(type);
      if (other) throw new TesterError(ErrorCodes.CONFIG_INVALID, `action type ${type} is provided by both "${other.plugin.name}" and "${plugin.name}": remove one of the plugins`);
      actions.set(type, { plugin: plugin as TesterPlugin, definition: definition as ActionDefinition });
    }
    for (const [section, definition] of Object.entries(plugin.assertions ?? {})) {
      const other = assertions.get(section);
      if (other) throw new TesterError(ErrorCodes.CONFIG_INVALID, `expectation section "${section}" is provided by both "${other.plugin.name}" and "${plugin.name}": remove one of the plugins`);
      assertions.set(section, { plugin: plugin as TesterPlugin, definition: definition as AssertionDefinition });
    }
  }
  return { plugins, actions, assertions };
}
