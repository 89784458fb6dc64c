/** `apiPlugin(options)`: the control-plane REST observer plus the CHAOS, HTTP and DRIFT actions. */
import { definePlugin, PLUGIN_API_VERSION, type TesterPlugin } from '@tester/core';
import { chaosAction } from './actions/chaos';
import { driftAction } from './actions/drift';
import { httpAction } from './actions/http';
import { parseApiConfig, type ApiConfig, type ApiOptions } from './config';
import { startApiObserver } from './observer';

/** The plugin's package name, as shown in errors. */
export const API_PLUGIN_NAME = '@tester/observer-api';

/** The plugin object `apiPlugin()` returns: its parsed `options` are always present. */
export type ApiPlugin = TesterPlugin<ApiConfig> & { options: ApiConfig };

/**
 * Creates the control-plane REST plugin. Options are parsed once, here (a bad option throws `CONFIG_INVALID`
 * with one line per problem); every hook reads the result as `ctx.config`.
 *
 * Observer `api` (source `api`); actions `CHAOS`, `HTTP`, `DRIFT`.
 */
export function apiPlugin(options: ApiOptions = {}): ApiPlugin {
  const parsed = parseApiConfig(options);
  const plugin = definePlugin({
    name: API_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    options: parsed,
    observers: {
      // One poller per process, whatever the concurrency: its fast interval follows whichever scenario is urgent,
      // and a scenario that joins starts with the current state of every item, as a first poll would record it.
      api: { source: 'api', share: 'state', start: (ctx) => startApiObserver(ctx) },
    },
    actions: {
      CHAOS: chaosAction,
      HTTP: httpAction(parsed),
      DRIFT: driftAction,
    },
  });
  return { ...plugin, options: parsed };
}
