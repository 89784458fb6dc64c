/**
 * `@tester/observer-api`: observes a control plane through its REST API (systems, policy executions, chaos,
 * drift, reconciliations), or any system's REST resources mapped by JSONata (`resources`), and provides the
 * `CHAOS`, `HTTP` and `DRIFT` actions.
 */
export { apiPlugin, API_PLUGIN_NAME, type ApiPlugin } from './plugin';
export { apiConfigSchema, parseApiConfig, type ApiConfig, type ApiOptions } from './config';
export type { ApiResourceOptions } from './resource-config';
export { chaosParamsSchema, type ChaosParams } from './actions/chaos';
export { httpParamsSchema, type HttpParams } from './actions/http';
export { driftParamsSchema, type DriftParams } from './actions/drift';
