/** `processPlugin(options)`: process faults on Linux, the `PROCESS_PAUSE`, `PROCESS_TERMINATE` and `PROCESS_KILL` actions. */
import { definePlugin, PLUGIN_API_VERSION, type PluginContext, type TesterPlugin } from '@tester/core';
import { killAction } from './actions/kill';
import { pauseAction } from './actions/pause';
import { parseProcessOptions, processOptionsSchema, type ProcessConfig, type ProcessOptions } from './options';

/** The plugin's package name, as shown in errors and recorded in the fault ledger. */
export const PROCESS_PLUGIN_NAME = '@tester/fault-process';

/** The plugin object `processPlugin()` returns: its parsed `options` are always present. */
export type ProcessPlugin = TesterPlugin<ProcessConfig> & { options: ProcessConfig };

/**
 * Creates the process fault plugin (Linux: it reads /proc). Options are validated now (`CONFIG_INVALID`). At run
 * time the run's parsed config block (`ctx.config`) wins when the runtime supplies one; otherwise these options.
 *
 * Actions `PROCESS_PAUSE`, `PROCESS_TERMINATE`, `PROCESS_KILL`; no observers.
 */
export function processPlugin(options: ProcessOptions = {}): ProcessPlugin {
  const parsed = parseProcessOptions(options);
  const configOf = (ctx: PluginContext<unknown>): ProcessConfig => (ctx.config as ProcessConfig | undefined) ?? parsed;
  const plugin = definePlugin<ProcessConfig>({
    name: PROCESS_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    config: processOptionsSchema,
    options: parsed,
    actions: {
      PROCESS_PAUSE: pauseAction(configOf),
      PROCESS_TERMINATE: killAction('PROCESS_TERMINATE', configOf),
      PROCESS_KILL: killAction('PROCESS_KILL', configOf),
    },
  });
  return { ...plugin, options: parsed };
}
