import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { excerpt, parsePluginOptions, PLUGIN_API_VERSION, type TesterPlugin } from '@tester/core';
import { pluginShapeProblem } from '@tester/core/runner';
import { CliError, messageOf } from '../errors';
import { withDeadline } from './deadline';
import { dynamicImport } from './dynamic-import';
import { isPathLike } from './bindings-read';
import { BUILTIN_PLUGINS, builtinOf, type BuiltinName } from './builtins';
import type { PluginEntry } from './schema';

// The CLI's one plugin loader. The built-ins' table and `isPathLike` live in modules that import nothing heavy.
export { BUILTIN_PLUGINS, builtinOf, type BuiltinName } from './builtins';
export { isPathLike } from './bindings-read';

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
 * Importing a module and calling its factory are bounded by `timeoutMs` (`TESTER_LOAD_TIMEOUT`); what comes back
 * must be a plugin object of the contract's shape. Modules are imported at once (their files are read in
 * parallel), then checked in the config's order, so the error reported is the first entry's, as if one by one.
 */
export async function loadPlugins(specs: readonly PluginSpec[], fromDir: string, timeoutMs = 30_000): Promise<TesterPlugin[]> {
  const loading = specs.map((spec) => (spec.plugin ? Promise.resolve({ plugin: spec.plugin as unknown, where: 'the config', made: 'is' }) : loadOne(spec, fromDir, timeoutMs)));
  // Only the first failure in the config's order is reported; the others must not surface as unhandled rejections.
  for (const p of loading) p.catch(() => undefined);
  const plugins: TesterPlugin[] = [];
  for (const [i, spec] of specs.entries()) {
    const { plugin, where, made } = await loading[i]!;
    const label = `Plugin "${spec.name}" (${where})`;
    if (!plugin || typeof plugin !== 'object' || Array.isArray(plugin)) {
      throw new CliError('PLUGIN_ERROR', `${label} ${made} ${describe(plugin)}, not a plugin object: it must ${made === 'is' ? 'be' : 'return'} definePlugin({ name, apiVersion, ... }).`);
    }
    const apiVersion = safeRead(plugin, 'apiVersion');
    if (typeof apiVersion !== 'number' || Math.trunc(apiVersion) !== PLUGIN_API_VERSION) {
      throw new CliError(
        'PLUGIN_API_MISMATCH',
        typeof apiVersion === 'number'
          ? `${label} targets plugin API v${apiVersion}, but this @tester/cli runs plugin API v${PLUGIN_API_VERSION}. ` +
              `Install a version of ${spec.name} made for @tester/core with PLUGIN_API_VERSION ${PLUGIN_API_VERSION}.`
          : `${label} has no apiVersion (got ${describe(apiVersion)}): it must declare apiVersion: PLUGIN_API_VERSION from @tester/core (${PLUGIN_API_VERSION}).`,
      );
    }
    const problem = pluginShapeProblem(plugin);
    if (problem) throw new CliError('PLUGIN_ERROR', `${label}: ${problem}. Fix the plugin, or report it to its authors.`);
    const valid = plugin as TesterPlugin;
    if (plugins.some((p) => p.name === valid.name)) {
      throw new CliError('CONFIG_INVALID', `Plugin "${valid.name}" is listed twice in the config: keep one entry.`);
    }
    plugins.push(valid);
  }
  return plugins;
}

/** `null`, `number 42`, `a list`, `a function`: a short description that never serialises the value. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `string ${JSON.stringify(excerpt(value, 40))}`;
  if (typeof value === 'object') return 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${String(value)}` : `a ${typeof value}`;
}

function safeRead(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

async function loadOne(spec: PluginSpec, fromDir: string, timeoutMs: number): Promise<{ plugin: unknown; where: string; made: string }> {
  const builtin = builtinOf(spec.name);
  let mod: Record<string, unknown>;
  let where: string;
  const fix = `Make it settle, or raise TESTER_LOAD_TIMEOUT (now ${timeoutMs} ms).`;
  if (builtin) {
    where = BUILTIN_PLUGINS[builtin].pkg;
    mod = (await importBuiltin[builtin]()) as Record<string, unknown>;
  } else {
    where = resolveModule(spec.name, fromDir);
    try {
      mod = (await withDeadline(dynamicImport(pathToFileURL(where).href), timeoutMs, `Plugin "${spec.name}" (${where}) did not finish loading within ${timeoutMs} ms. ${fix}`, 'PLUGIN_ERROR')) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError('PLUGIN_ERROR', `Plugin "${spec.name}" (${where}) failed to load: ${messageOf(error)}`, { cause: error });
    }
  }
  let exported: unknown;
  try {
    exported = pickExport(mod, builtin ? BUILTIN_PLUGINS[builtin].factory : undefined);
  } catch (error) {
    throw new CliError('PLUGIN_ERROR', `Plugin "${spec.name}" (${where}) failed to load: ${messageOf(error)}`, { cause: error });
  }
  if (exported === undefined) {
    throw new CliError(
      'PLUGIN_ERROR',
      `Plugin "${spec.name}" (${where}) exports no tester plugin: export default definePlugin({...}) or a factory (options) => plugin.`,
    );
  }
  try {
    if (typeof exported === 'function') {
      const made = await withDeadline(
        Promise.resolve((exported as (o: unknown) => unknown)(spec.options ?? {})),
        timeoutMs,
        `Plugin "${spec.name}" (${where}): its factory did not settle within ${timeoutMs} ms (a promise that never resolves?). ${fix}`,
        'PLUGIN_ERROR',
      );
      return { plugin: made, where, made: 'returned' };
    }
    if (!exported || typeof exported !== 'object') return { plugin: exported, where, made: 'exports' };
    const plugin = exported as TesterPlugin;
    const config = safeRead(plugin, 'config') as TesterPlugin['config'];
    if (spec.options !== undefined && config && typeof config.safeParse === 'function') {
      return { plugin: { ...plugin, options: parsePluginOptions(config, spec.options, { plugin: spec.name }) }, where, made: 'exports' };
    }
    return { plugin: spec.options !== undefined ? { ...plugin, options: spec.options } : plugin, where, made: 'exports' };
  } catch (error) {
    if (error instanceof CliError) throw error;
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

/**
 * Resolves a package name or path the way Node would from a file in `fromDir`. `what` names it in the error
 * (`Plugin "x"`, `Reporter "x"`), `pathFix` says where a wrong path was given.
 */
export function resolveModule(name: string, fromDir: string, what = `Plugin "${name}"`, pathFix = 'Check the path in the config.'): string {
  const require = createRequire(join(fromDir, 'tester.config.js'));
  const target = isPathLike(name) ? resolve(fromDir, name) : name;
  try {
    return require.resolve(target);
  } catch (error) {
    const fix = isPathLike(name) ? pathFix : `Install it in your project: npm install --save-dev ${name}`;
    throw new CliError('PLUGIN_NOT_FOUND', `${what} was not found from ${fromDir}. ${fix}`, { cause: error });
  }
}
