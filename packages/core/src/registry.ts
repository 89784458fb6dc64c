/** Indexes plugins' action types and expectation sections, and checks each plugin's API version. */
import { type ActionDefinition, type AssertionDefinition, PLUGIN_API_VERSION, type TesterPlugin } from './contract';
import { describeValue, quoteCapped } from './duration';
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

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);
const isSchema = (value: unknown) => isObject(value) && typeof value.safeParse === 'function';

/** Reads `object[key]`, turning a throwing getter into a problem instead of a crash. */
function read(object: Record<string, unknown>, key: string, problems: string[]): unknown {
  try {
    return object[key];
  } catch (error) {
    problems.push(`reading ${key} threw (${error instanceof Error ? error.message : describeValue(error)})`);
    return undefined;
  }
}

/**
 * What is wrong with the shape of a plugin object, or `undefined`: a name, an `apiVersion`, and parts of the shape
 * the contract describes (`actions.TYPE` with a zod `schema` and `run`, `assertions.SECTION` with a `schema` and
 * `create`, `observers.NAME` with `start`, `config` a zod schema). Never throws, whatever `plugin` is (`null`,
 * `42`, a cyclic object, one with throwing getters).
 */
export function pluginShapeProblem(plugin: unknown): string | undefined {
  if (!isObject(plugin)) return `expected a plugin object made with definePlugin({ name, apiVersion, ... }), got ${describeValue(plugin)}`;
  const problems: string[] = [];
  const name = read(plugin, 'name', problems);
  if (typeof name !== 'string' || name === '') problems.push(`name: expected a non-empty string, got ${describeValue(name)}`);
  const apiVersion = read(plugin, 'apiVersion', problems);
  if (typeof apiVersion !== 'number') problems.push(`apiVersion: expected a number (PLUGIN_API_VERSION from @tester/core), got ${describeValue(apiVersion)}`);
  const config = read(plugin, 'config', problems);
  if (config !== undefined && !isSchema(config)) problems.push(`config: expected a zod schema, got ${describeValue(config)}`);
  const parts: [string, string[]][] = [
    ['actions', ['schema', 'run']],
    ['assertions', ['schema', 'create']],
    ['observers', ['start']],
  ];
  for (const [part, needs] of parts) {
    const group = read(plugin, part, problems);
    if (group === undefined) continue;
    if (!isObject(group)) {
      problems.push(`${part}: expected a mapping of ${part} by name, got ${describeValue(group)}`);
      continue;
    }
    let keys: string[] = [];
    try {
      keys = Object.keys(group);
    } catch (error) {
      problems.push(`${part}: cannot list its keys (${error instanceof Error ? error.message : describeValue(error)})`);
    }
    for (const key of keys) {
      const definition = read(group, key, problems);
      const where = `${part}.${quoteCapped(key, 40).slice(1, -1)}`;
      if (!isObject(definition)) {
        problems.push(`${where}: expected an object, got ${describeValue(definition)}`);
        continue;
      }
      for (const need of needs) {
        const value = read(definition, need, problems);
        if (need === 'schema' ? !isSchema(value) : typeof value !== 'function') problems.push(`${where}.${need}: expected ${need === 'schema' ? 'a zod schema' : 'a function'}, got ${describeValue(value)}`);
      }
    }
  }
  if (problems.length === 0) return undefined;
  const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
  return `not a valid tester plugin: ${shown}`;
}

/**
 * Throws {@link PluginApiMismatchError} (`PLUGIN_API_MISMATCH`) unless `plugin` targets {@link PLUGIN_API_VERSION},
 * and `CONFIG_INVALID` when it is not a plugin object of the contract's shape (see {@link pluginShapeProblem}).
 */
export function assertPluginApi(plugin: TesterPlugin): void {
  const ignored: string[] = [];
  const name = isObject(plugin) ? read(plugin, 'name', ignored) : undefined;
  const apiVersion = isObject(plugin) ? read(plugin, 'apiVersion', ignored) : undefined;
  // A plugin made for another API version may well have another shape: say which version it targets first.
  if (typeof name === 'string' && name && typeof apiVersion === 'number' && apiVersion !== PLUGIN_API_VERSION) throw new PluginApiMismatchError(name, apiVersion, PLUGIN_API_VERSION);
  const problem = pluginShapeProblem(plugin);
  if (problem) throw new TesterError(ErrorCodes.CONFIG_INVALID, `${typeof name === 'string' && name ? `plugin ${quoteCapped(name)}: ` : ''}${problem}`);
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

const registries = new WeakMap<readonly TesterPlugin[], { plugins: readonly TesterPlugin[]; registry: PluginRegistry }>();

/**
 * {@link createRegistry}, built once per plugin set: loading a thousand scenarios with the same plugins checks and
 * indexes them once. The set is the array, as long as it holds the same plugin objects in the same order (an array
 * changed since is indexed again). A set that fails to index is not remembered: it throws again.
 */
export function registryFor(plugins: readonly TesterPlugin[]): PluginRegistry {
  const cached = registries.get(plugins);
  if (cached && cached.plugins.length === plugins.length && cached.plugins.every((plugin, i) => plugin === plugins[i])) return cached.registry;
  const registry = createRegistry(plugins);
  registries.set(plugins, { plugins: [...plugins], registry });
  return registry;
}
