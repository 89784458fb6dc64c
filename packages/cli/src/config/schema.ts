import { parseDuration, z, type TesterPlugin } from '@tester/core';
import { errorMessage, type PluginSpec } from '@tester/core/runner';

// The config file's type lives in core (a harness and `defineConfig` need it without the CLI); this module holds
// the CLI's validation of it.
export type { ConfigDefaults, TesterConfig } from '@tester/core/runner';
/** A plugin in the config (core's `PluginSpec`). */
export type PluginEntry = PluginSpec;

/** The CLI's own top-level keys; any other key is a plugin block. */
export const CONFIG_KEYS = ['plugins', 'builtins', 'defaults', 'reporters', 'controlPlaneUrl', 'kafkaBootstrap', 'prometheusUrl', 'ledger', 'variables'];

let built: ReturnType<typeof buildConfigSchema> | undefined;

/** The zod schema of {@link TesterConfig}, built once. */
export function configSchema(): ReturnType<typeof buildConfigSchema> {
  built ??= buildConfigSchema();
  return built;
}

function buildConfigSchema() {
  // Validated here, not only when a run starts, so that a bad value is reported at its place in the file.
  const timeout = z.union([z.number(), z.string()]).superRefine((value, ctx) => {
    try {
      if (parseDuration(value) <= 0) ctx.addIssue({ code: 'custom', message: `expected a duration of more than 0, got ${JSON.stringify(value)}` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: errorMessage(error) });
    }
  });
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
          timeout: timeout.optional(),
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
