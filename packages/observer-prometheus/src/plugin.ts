/** `prometheusPlugin(options)`: observes Prometheus queries and direct `/metrics` scrapes. */
import { definePlugin, PLUGIN_API_VERSION, type PluginContext, type TesterPlugin } from '@tester/core';
import { parsePrometheusConfig, prometheusConfigSchema, type PrometheusConfig, type PrometheusOptions } from './config';
import { startPrometheusObserver } from './observer';

export const PROMETHEUS_PLUGIN_NAME = '@tester/observer-prometheus';

/** The plugin object `prometheusPlugin()` returns: its parsed `options` are always present. */
export type PrometheusPlugin = TesterPlugin<PrometheusConfig> & { options: PrometheusConfig };

/**
 * Creates the Prometheus plugin (observer `prometheus`, source `prometheus`). Options are validated now (a
 * bad option throws `CONFIG_INVALID`, one line per problem). At run time the run's parsed config block
 * (`ctx.config`) wins when the runtime supplies one.
 */
export function prometheusPlugin(options: PrometheusOptions = {}): PrometheusPlugin {
  const parsed = parsePrometheusConfig(options);
  const configOf = (ctx: PluginContext<unknown>): PrometheusConfig => (ctx.config as PrometheusConfig | undefined) ?? parsed;
  const plugin = definePlugin<PrometheusConfig>({
    name: PROMETHEUS_PLUGIN_NAME,
    apiVersion: PLUGIN_API_VERSION,
    config: prometheusConfigSchema,
    options: parsed,
    observers: {
      prometheus: { source: 'prometheus', start: (ctx) => startPrometheusObserver(ctx, configOf(ctx)) },
    },
  });
  return { ...plugin, options: parsed };
}
