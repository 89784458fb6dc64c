import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TesterPlugin } from '@tester/core';
import { CliError, messageOf } from '../errors';
import { dynamicImport } from './load';
import type { PluginEntry } from './schema';

/** The CLI's one plugin loader. Built-in short names map to their packages and factories. */
export const BUILTIN_PLUGINS = {
  api: { pkg: '@tester/observer-api', factory: 'apiPlugin' },
  kafka: { pkg: '@tester/observer-kafka', factory: 'kafkaPlugin' },
  prometheus: { pkg: '@tester/observer-prometheus', factory: 'prometheusPlugin' },
  assertions: { pkg: '@tester/assertions', factory: 'assertionsPlugin' },
} as const;

export type BuiltinName = keyof typeof BUILTIN_PLUGINS;

/** A plugin to load: its name (short name, package or path), its options, or an already-made plugin object. */
export interface PluginSpec {
  name: string;
  options?: unknown;
  plugin?: TesterPlugin;
}

/** Normalises config entries (string, tuple, object) to {@link PluginSpec}s. */
export function toSpecs(entries: readonly PluginEntry[]): PluginSpec[] {
  return entries.map((entry) => {
    if (typeof entry === 'string') return { name: entry };
    if (isTuple(entry)) return { name: entry[0], options: entry[1] };
    return { name: (entry as TesterPlugin).name, plugin: entry as TesterPlugin };
  });
}

const isTuple = (e: PluginEntry): e is readonly [string, Record<string, unknown>] => Array.isArray(e);

/** Which built-in a name refers to: its short name or its package name. */
export function builtinOf(name: string): BuiltinName | undefined {
  for (const [short, def] of Object.entries(BUILTIN_PLUGINS)) if (name === short || name === def.pkg) return short as BuiltinName;
  return undefined;
}

// Literal specifiers so bundlers and Vitest's aliases see them: the built-ins are the CLI's own dependencies.
const importBuiltin: Record<BuiltinName, () => Promise<unknown>> = {
  api: () => import('@tester/observer-api'),
  kafka: () => import('@tester/observer-kafka'),
  prometheus: () => import('@tester/observer-prometheus'),
  assertions: () => import('@tester/assertions'),
};

/**
 * Loads each plugin: a built-in through its factory, anything else resolved from `fromDir` (the user's project,
 * where the config is), exactly as Node would resolve it from a file there. Errors name the package and the fix.
 */
export async function loadPlugins(specs: readonly PluginSpec[], fromDir: string): Promise<TesterPlugin[]> {
  const { PLUGIN_API_VERSION } = await import('@tester/core');
  const plugins: TesterPlugin[] = [];
  for (const spec of specs) {
    const plugin = spec.plugin ?? (await loadOne(spec, fromDir));
    if (typeof plugin.apiVersion !== 'number' || Math.trunc(plugin.apiVersion) !== PLUGIN_API_VERSION) {
      throw new CliError(
        'PLUGIN_API_MISMATCH',
        `Plugin "${spec.name}" targets plugin API v${String(plugin.apiVersion)}, but this @tester/cli runs plugin API v${PLUGIN_API_VERSION}. ` +
          `Install a version of ${spec.name} made for @tester/core with PLUGIN_API_VERSION ${PLUGIN_API_VERSION}.`,
      );
    }
    if (plugins.some((p) => p.name === plugin.name)) {
      throw new CliError('CONFIG_INVALID', `Plugin "${plugin.name}" is listed twice in the config: keep one entry.`);
    }
    plugins.push(plugin);
  }
  return plugins;
}

async function loadOne(spec: PluginSpec, fromDir: string): Promise<TesterPlugin> {
  const builtin = builtinOf(spec.name);
  let mod: Record<string, unknown>;
  let where: string;
  if (builtin) {
    where = BUILTIN_PLUGINS[builtin].pkg;
    mod = (await importBuiltin[builtin]()) as Record<string, unknown>;
  } else {
    where = resolveModule(spec.name, fromDir);
    try {
      mod = (await dynamicImport(pathToFileURL(where).href)) as Record<string, unknown>;
    } catch (error) {
      throw new CliError('PLUGIN_ERROR', `Plugin "${spec.name}" (${where}) failed to load: ${messageOf(error)}`, { cause: error });
    }
  }
  const exported = pickExport(mod, builtin ? BUILTIN_PLUGINS[builtin].factory : undefined);
  if (exported === undefined) {
    throw new CliError(
      'PLUGIN_ERROR',
      `Plugin "${spec.name}" (${where}) exports no tester plugin: export default definePlugin({...}) or a factory (options) => plugin.`,
    );
  }
  try {
    if (typeof exported === 'function') return (await (exported as (o: unknown) => unknown)(spec.options ?? {})) as TesterPlugin;
    const plugin = exported as TesterPlugin;
    if (spec.options !== undefined && plugin.config) return { ...plugin, options: plugin.config.parse(spec.options) };
    return spec.options !== undefined ? { ...plugin, options: spec.options } : plugin;
  } catch (error) {
    throw new CliError('PLUGIN_ERROR', `Plugin "${spec.name}" (${where}) rejected its options: ${messageOf(error)}`, { cause: error });
  }
}

/** The factory or plugin object a module exports: the built-in's named factory, `default`, or `plugin`. */
function pickExport(mod: Record<string, unknown>, factory: string | undefined): unknown {
  if (factory && typeof mod[factory] === 'function') return mod[factory];
  let candidate = mod.default ?? mod.plugin;
  // A CJS module imported from ESM nests its exports under `default`.
  if (candidate && typeof candidate === 'object' && !('name' in candidate) && 'default' in candidate) {
    candidate = (candidate as { default: unknown }).default;
  }
  return candidate;
}

/** Resolves a package name or path the way Node would from a file in `fromDir`. */
export function resolveModule(name: string, fromDir: string): string {
  const require = createRequire(join(fromDir, 'tester.config.js'));
  const target = name.startsWith('.') || isAbsolute(name) ? resolve(fromDir, name) : name;
  try {
    return require.resolve(target);
  } catch (error) {
    const isPath = target !== name || isAbsolute(name);
    const fix = isPath ? 'Check the path in the config.' : `Install it in your project: npm install --save-dev ${name}`;
    throw new CliError('PLUGIN_NOT_FOUND', `Plugin "${name}" was not found from ${fromDir}. ${fix}`, { cause: error });
  }
}
