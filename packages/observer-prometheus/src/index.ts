/**
 * `@tester/observer-prometheus`: PromQL instant and range queries against a Prometheus server, and direct
 * scrapes of `/metrics` pages, as `metric.sample` observations.
 */
export { prometheusPlugin, PROMETHEUS_PLUGIN_NAME, type PrometheusPlugin } from './plugin';
export { parsePrometheusConfig, prometheusConfigSchema, type PrometheusConfig, type PrometheusOptions, type QuerySpec } from './config';
export { METRIC_EMPTY_KIND, METRIC_ERROR_KIND, PROMQL_INTEREST } from './interest';
export { parseExposition } from './scrape';
