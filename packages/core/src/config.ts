/**
 * The config file's type (`tester.config.ts` / `.mjs` with `defineConfig`). The CLI loads and validates config
 * files (YAML, JSON, JS, TS); core only defines the shape so that `defineConfig` checks it.
 */
import type { TesterPlugin } from './contract';

/**
 * How a config names a plugin: the plugin object itself, a built-in short name (`api`, `kafka`, `prometheus`,
 * `assertions`), an npm package name or a path, or a `[name, options]` tuple.
 */
export type PluginSpec = TesterPlugin<any> | string | readonly [name: string, options: Record<string, unknown>]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Defaults that apply to every scenario unless the scenario or a flag says otherwise. */
export interface ConfigDefaults {
  /** Scenario timeout when a scenario sets none: seconds, or a duration string. @default 120 */
  timeout?: number | string;
  /** Scenarios run at once (scenarios touching the same system never overlap). @default 1 */
  concurrency?: number;
  /** Stop at the first failed scenario. @default false */
  failFast?: boolean;
  /** The scenarios folder. @default "scenarios" */
  scenariosDir?: string;
}

/** A tester configuration. */
export interface TesterConfig {
  /** The plugins to load, in order. */
  plugins?: readonly PluginSpec[];
  /** Defaults for every scenario. */
  defaults?: ConfigDefaults;
  /** Reporters by name (`console`, `json`, `junit`), or `[name, options]`. */
  reporters?: ReadonlyArray<string | readonly [name: string, options: Record<string, unknown>]>;
  /**
   * Each plugin's own block, keyed by its short or package name (`api: { url: ... }`), validated by the plugin's
   * `config` schema. `${ENV}` references are interpolated by the CLI.
   */
  [pluginBlock: string]: unknown;
}

/**
 * Declares a configuration. An identity function that exists for types (like Vitest's `defineConfig`).
 *
 * @example
 * export default defineConfig({ plugins: ['api', 'kafka', 'assertions'], api: { url: 'http://127.0.0.1:8080' } });
 */
export function defineConfig<const C extends TesterConfig>(config: C): C {
  return config;
}
