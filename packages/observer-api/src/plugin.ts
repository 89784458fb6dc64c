/** `apiPlugin(options)`: the control-plane REST observer plus the CHAOS, HTTP and DRIFT actions. */
import { definePlugin, PLUGIN_API_VERSION, type PluginContext, type TesterPlugin } from '@tester/core';
import { chaosAction } from './actions/chaos';
import { driftAction } from './actions/drift';
import { httpAction } from './actions/http';
import { apiConfigSchema, parseApiConfig, type ApiConfig, type ApiOptions } from './config';
import { startApiObserver } from './observer';

/** The plugin's package name, as shown in errors. */
export const API_PLUGIN_NAME = '@tester/observer-api';

/** The plugin object `apiPlugin()` returns: its parsed `options` are always present. */
export type ApiPlugin = TesterPlugin<ApiConfig> & { options: ApiConfig };

/**
 * Creates the control-plane REST plugin. Options are validated now (a bad option throws `CONFIG_INVALID`
 * with one line per problem). At run time the run's parsed config block (`ctx.config`) wins when the
 * runtime supplies one; otherwise these options are used.
 *
 * Observer `api` (source `api`); actions `CHAOS`, `HTTP`, `DRIFT`.
 */
export function apiPlugin(options: ApiOptions = {}): ApiPlugin {
  const parsed = parseApiConfig(options);
  const configOf = (ctx: PluginContext<unknown>): ApiConfig => (ctx.config as ApiConfig | undefined) ?? parsed;
  const plugin = definePlugin<ApiConfig>({
    name: API_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    config: apiConfigSchema,
    options: parsed,
    observers: {
      api: { source: 'api', start: (ctx) => startApiObserver(ctx, configOf(ctx)) },
    },
    actions: {
      CHAOS: chaosAction(configOf),
      HTTP: httpAction(configOf, parsed),
      DRIFT: driftAction(configOf),
    },
  });
  return { ...plugin, options: parsed };
}
