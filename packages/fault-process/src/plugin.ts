/** `processPlugin(options)`: process faults on Linux, the `PROCESS_PAUSE`, `PROCESS_TERMINATE` and `PROCESS_KILL` actions. */
import { definePlugin, PLUGIN_API_VERSION, type TesterPlugin } from '@tester/core';
import { killAction } from './actions/kill';
import { pauseAction } from './actions/pause';
import { parseProcessOptions, type ProcessConfig, type ProcessOptions } from './options';

/** The plugin's package name, as shown in errors and recorded in the fault ledger. */
export const PROCESS_PLUGIN_NAME = '@tester/fault-process';

/** The plugin object `processPlugin()` returns: its parsed `options` are always present. */
export type ProcessPlugin = TesterPlugin<ProcessConfig> & { options: ProcessConfig };

/**
 * Creates the process fault plugin (Linux: it reads /proc). Options are parsed once, here (a bad option throws
 * `CONFIG_INVALID`); every hook reads the result as `ctx.config`.
 *
 * Actions `PROCESS_PAUSE`, `PROCESS_TERMINATE`, `PROCESS_KILL`; no observers.
 */
export function processPlugin(options: ProcessOptions = {}): ProcessPlugin {
  const parsed = parseProcessOptions(options);
  const plugin = definePlugin({
    name: PROCESS_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    options: parsed,
    actions: {
      PROCESS_PAUSE: pauseAction(),
      PROCESS_TERMINATE: killAction('PROCESS_TERMINATE'),
      PROCESS_KILL: killAction('PROCESS_KILL'),
    },
  });
  return { ...plugin, options: parsed };
}
