/** `toxiproxyPlugin(options)`: network faults through Toxiproxy's HTTP API, the `TOXIC` and `PROXY_DOWN` actions. */
import { definePlugin, PLUGIN_API_VERSION, type TesterPlugin } from '@tester/core';
import { proxyDownAction } from './actions/proxy-down';
import { toxicAction } from './actions/toxic';
import { parseToxiproxyOptions, type ToxiproxyConfig, type ToxiproxyOptions } from './options';

/** The plugin's package name, as shown in errors and recorded in the fault ledger. */
export const TOXIPROXY_PLUGIN_NAME = '@tester/fault-toxiproxy';

/** The plugin object `toxiproxyPlugin()` returns: its parsed `options` are always present. */
export type ToxiproxyPlugin = TesterPlugin<ToxiproxyConfig> & { options: ToxiproxyConfig };

/**
 * Creates the Toxiproxy fault plugin. Options are validated now (a bad option, or a non-loopback `url` without
 * `allowNonLoopback`, throws `CONFIG_INVALID`): once, here; every hook reads the result as `ctx.config`.
 *
 * Actions `TOXIC` and `PROXY_DOWN`; no observers (pair it with an observer of the system the fault is about).
 */
export function toxiproxyPlugin(options: ToxiproxyOptions = {}): ToxiproxyPlugin {
  const parsed = parseToxiproxyOptions(options);
  const plugin = definePlugin({
    name: TOXIPROXY_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    options: parsed,
    actions: {
      TOXIC: toxicAction(),
      PROXY_DOWN: proxyDownAction(),
    },
  });
  return { ...plugin, options: parsed };
}
