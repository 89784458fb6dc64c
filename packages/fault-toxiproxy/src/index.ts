/**
 * `@tester/fault-toxiproxy`: network faults for any TCP system, through Toxiproxy's HTTP API — the `TOXIC` action
 * (latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data) and `PROXY_DOWN` — with ledger-first
 * rollbacks that `tester cleanup` can replay after a killed run.
 */
export { toxiproxyPlugin, TOXIPROXY_PLUGIN_NAME, type ToxiproxyPlugin } from './plugin';
export { toxiproxyOptionsSchema, parseToxiproxyOptions, type ToxiproxyOptions, type ToxiproxyConfig } from './options';
export { toxicParamsSchema, type ToxicParams } from './actions/toxic';
export { proxyDownParamsSchema, type ProxyDownParams } from './actions/proxy-down';
export { TOXICS, TOXIC_TYPES, type ToxicType } from './toxics';
export { ToxiproxyClient, type ProxyInfo, type ToxicInfo } from './client';

// The CLI loads a plugin package named in a config file through its default export (a factory it calls with the
// plugin's options block).
export { toxiproxyPlugin as default } from './plugin';
