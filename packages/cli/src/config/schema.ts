import type { TesterPlugin } from '@tester/core';

/**
 * A plugin in the config: a built-in short name (`api`, `kafka`, `prometheus`, `assertions`), an npm package
 * name or a path (`./plugins/mine.mjs`), a `[name, options]` tuple, or (in `.mjs`/`.ts` configs) a plugin object.
 */
export type PluginEntry = string | [string, unknown] | TesterPlugin;

/**
 * The config file (`tester.config.{yaml,json,mjs,ts}`). Every field is optional; flags and `TESTER_*`
 * environment variables override it (precedence: flags > environment > file > defaults).
 */
export interface TesterConfig {
  /**
   * Plugins to load in addition to the built-ins. Give a built-in here (as a `[name, options]` tuple) to pass
   * it options, e.g. `['kafka', { topic: 'my-events' }]`.
   */
  plugins?: PluginEntry[];
  /** Load the built-in plugins (`api`, `kafka`, `prometheus`, `assertions`) even when not listed. @default true */
  builtins?: boolean;
  /** Control-plane base URL for the `api` plugin (the seed's `--control-plane-url`). */
  controlPlaneUrl?: string;
  /** Kafka bootstrap servers, comma separated, for the `kafka` plugin (the seed's `--kafka-bootstrap`). */
  kafkaBootstrap?: string;
  /** Prometheus base URL for the `prometheus` plugin (the seed's `--prometheus-url`). */
  prometheusUrl?: string;
  /** Folder `ci` runs, relative to the config file. @default "scenarios" */
  scenariosDir?: string;
  /** Reporters, as `--reporter` takes them (`console`, `junit=out/junit.xml`). @default ["console"] */
  reporters?: string[];
  /** Scenarios run at once (never two on the same system). @default 1 */
  concurrency?: number;
  /** Default scenario timeout when a scenario sets none (`90s`, `2m`, or seconds). */
  timeout?: number | string;
  /** Stop scheduling after the first failing scenario. @default false */
  failFast?: boolean;
  /** The fault ledger file, relative to the config file. @default ".tester/ledger.json" */
  ledger?: string;
  /** Scenario variables (`${name}` in scenarios); `--var k=v` overrides. */
  variables?: Record<string, string>;
}

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
  return z
    .object({
      plugins: z.array(pluginEntry).optional(),
      builtins: z.boolean().optional(),
      controlPlaneUrl: z.url().optional(),
      kafkaBootstrap: z.string().min(1).optional(),
      prometheusUrl: z.url().optional(),
      scenariosDir: z.string().min(1).optional(),
      reporters: z.array(z.string().min(1)).optional(),
      concurrency: z.number().int().positive().optional(),
      timeout: z.union([z.number().positive(), z.string().min(1)]).optional(),
      failFast: z.boolean().optional(),
      ledger: z.string().min(1).optional(),
      variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    })
    .strict();
}
