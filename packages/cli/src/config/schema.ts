import type { TesterConfig as CoreTesterConfig, TesterPlugin } from '@tester/core';

/**
 * A plugin in the config: a built-in short name (`api`, `kafka`, `prometheus`, `assertions`), an npm package
 * name or a path (`./plugins/mine.mjs`), a `[name, options]` tuple, or (in `.mjs`/`.ts` configs) a plugin object.
 */
export type PluginEntry = string | readonly [name: string, options: Record<string, unknown>] | TesterPlugin;

/** Defaults for every scenario (core's `ConfigDefaults`). */
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
 * The config file (`tester.config.{yaml,json,mjs,ts}`): core's `TesterConfig` plus the CLI's own keys. Every
 * field is optional; flags and `TESTER_*` environment variables override it (flags > environment > file > defaults).
 * Any other top-level key is a plugin's block, named by its short or package name (`api: { baseUrl: ... }`).
 */
export interface TesterConfig extends CoreTesterConfig {
  /**
   * Plugins to load in addition to the built-ins: package names, paths, `[name, options]` tuples or plugin
   * objects (in `.mjs`/`.ts` configs).
   */
  plugins?: readonly PluginEntry[];
  /** Load the built-in plugins (`api`, `kafka`, `prometheus`, `assertions`) even when not listed. @default true */
  builtins?: boolean;
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
}

/** The CLI's own top-level keys; any other key is a plugin block. */
export const CONFIG_KEYS = ['plugins', 'builtins', 'defaults', 'reporters', 'controlPlaneUrl', 'kafkaBootstrap', 'prometheusUrl', 'ledger', 'variables'];

/** Identity function that gives a `tester.config.ts`/`.mjs` its types. */
export function defineConfig(config: TesterConfig): TesterConfig {
  return config;
}

/** The zod schema of {@link TesterConfig}; built lazily because zod is heavy to load. */
export async function configSchema() {
  const { z } = await import('@tester/core');
  const pluginObject = z.custom<TesterPlugin>(
    (v: unknown) => typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string',
    { message: 'expected a package name, a [name, options] tuple or a plugin object' },
  );
  const pluginEntry = z.union([z.string().min(1), z.tuple([z.string().min(1), z.unknown()]), pluginObject]);
  const reporterEntry = z.union([z.string().min(1), z.tuple([z.string().min(1), z.object({ outputFile: z.string().min(1).optional() }).strict()])]);
  return z
    .object({
      plugins: z.array(pluginEntry).optional(),
      builtins: z.boolean().optional(),
      defaults: z
        .object({
          scenariosDir: z.string().min(1).optional(),
          concurrency: z.number().int().positive().optional(),
          timeout: z.union([z.number().positive(), z.string().min(1)]).optional(),
          failFast: z.boolean().optional(),
        })
        .strict()
        .optional(),
      reporters: z.array(reporterEntry).optional(),
      controlPlaneUrl: z.url().optional(),
      kafkaBootstrap: z.string().min(1).optional(),
      prometheusUrl: z.url().optional(),
      ledger: z.string().min(1).optional(),
      variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    })
    // Any other key is a plugin's block; settings check that it names a configured plugin.
    .catchall(z.record(z.string(), z.unknown(), { error: 'expected a mapping: a plugin block such as `api: { baseUrl: ... }`' }));
}
