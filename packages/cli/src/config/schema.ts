import type { z } from '@tester/core';
import { configSchema as coreConfigSchema, ownConfigKeys, type PluginSpec } from '@tester/core/runner';
import { bindingsOf, boundKeySchemas, pluginNamesOf } from './bindings';

// The config file's schema and types live in core (a harness and `defineConfig` need them without the CLI); the
// keys plugins bind (`controlPlaneUrl`, ...) come from the plugins' bindings.
export type { ConfigDefaults, ParsedTesterConfig, TesterConfig } from '@tester/core/runner';
/** A plugin in the config (core's `PluginSpec`). */
export type PluginEntry = PluginSpec;

/** The CLI's own top-level keys; any other key is a plugin's block or a key a plugin binds. */
export const CONFIG_KEYS: readonly string[] = ownConfigKeys();

/**
 * The schema of a config that lists the plugins of `raw` (the config as read, not yet checked) in `dir`: core's,
 * with the keys those plugins bind. Without `raw`, the built-ins' keys (the JSON Schema editors get).
 */
export function configSchema(raw: unknown = {}, dir = process.cwd()): z.ZodType {
  return coreConfigSchema(boundKeySchemas(bindingsOf(pluginNamesOf(raw), dir)));
}
