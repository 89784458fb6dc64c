/** `prometheusPlugin(options)`: observes Prometheus queries and direct `/metrics` scrapes. */
import { definePlugin, PLUGIN_API_VERSION, type TesterPlugin } from '@tester/core';
import { parsePrometheusConfig, type PrometheusConfig, type PrometheusOptions } from './config';
import { startPrometheusObserver } from './observer';

export const PROMETHEUS_PLUGIN_NAME = '@tester/observer-prometheus';

/** The plugin object `prometheusPlugin()` returns: its parsed `options` are always present. */
export type PrometheusPlugin = TesterPlugin<PrometheusConfig> & { options: PrometheusConfig };

/**
 * Creates the Prometheus plugin (observer `prometheus`, source `prometheus`). Options are parsed once, here (a
 * bad option throws `CONFIG_INVALID`, one line per problem); the observer reads the result as `ctx.config`.
 */
export function prometheusPlugin(options: PrometheusOptions = {}): PrometheusPlugin {
  const parsed = parsePrometheusConfig(options);
  const plugin = definePlugin({
    name: PROMETHEUS_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    options: parsed,
    observers: {
      prometheus: { source: 'prometheus', start: (ctx) => startPrometheusObserver(ctx) },
    },
  });
  return { ...plugin, options: parsed };
}
