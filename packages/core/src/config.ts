/**
 * The config file's type (`tester.config.ts` / `.mjs` with `defineConfig`). The CLI loads and validates config
 * files (YAML, JSON, JS, TS); core only defines the shape so that `defineConfig` checks it.
 */
import type { TesterPlugin } from './contract';

/**
 * How a config names a plugin: the plugin object itself, a built-in short name (`api`, `kafka`, `prometheus`,
 * `assertions`), an npm package name or a path, or a `[name, options]` tuple.
 */
export type PluginEntry = TesterPlugin<any> | string | readonly [name: string, options: Record<string, unknown>]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** @deprecated Use {@link PluginEntry}: `PluginSpec` is also the CLI's name for a resolved entry, of another shape. */
export type PluginSpec = PluginEntry;

/** Defaults that apply to every scenario unless a flag says otherwise. */
export interface ConfigDefaults {
  /** Overrides the timeout of every scenario (`90s`, `2m`, or seconds); `--timeout` overrides it. */
  timeout?: number | string;
  /** Scenarios run at once (never two on the same system). @default 1 */
  concurrency?: number;
  /** Stop scheduling after the first scenario that does not pass. @default false */
  failFast?: boolean;
  /** Folder `ci` runs, relative to the config file. @default "scenarios" */
  scenariosDir?: string;
}

/**
 * The config file (`tester.config.{yaml,json,mjs,ts}`). Every field is optional; flags and `TESTER_*` environment
 * variables override it (flags > environment > file > defaults). Any other top-level key is a plugin's block,
 * named by its short or package name (`api: { baseUrl: ... }`) and validated by that plugin's `config` schema.
 */
export interface TesterConfig {
  /**
   * Plugins to load in addition to the built-ins: package names, paths, `[name, options]` tuples or plugin
   * objects (in `.mjs`/`.ts` configs).
   */
  plugins?: readonly PluginEntry[];
  /** Load the built-in plugins (`api`, `kafka`, `prometheus`, `assertions`) even when not listed. @default true */
  builtins?: boolean;
  /** Defaults for every scenario. */
  defaults?: ConfigDefaults;
  /** Reporters, as `--reporter` takes them (`console`, `junit=out/junit.xml`), or `[name, { outputFile }]`. @default ["console"] */
  reporters?: ReadonlyArray<string | readonly [name: string, options: Record<string, unknown>]>;
  /** Control-plane base URL for the `api` plugin (the seed's `--control-plane-url`). */
  controlPlaneUrl?: string;
  /** Kafka bootstrap servers, comma separated, for the `kafka` plugin (the seed's `--kafka-bootstrap`). */
  kafkaBootstrap?: string;
  /** Prometheus base URL for the `prometheus` plugin (the seed's `--prometheus-url`). */
  prometheusUrl?: string;
  /** The fault ledger file, relative to the config file. @default ".tester/ledger.json" */
  ledger?: string;
  /** Scenario variables (`${name}` in scenarios); `--var k=v` overrides. */
  variables?: Record<string, string>;
  /** A plugin's own block, keyed by its short or package name. `${ENV}` references are interpolated by the CLI. */
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
