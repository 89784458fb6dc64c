/** The configuration of `@tester/observer-prometheus` (zod, with defaults and one-line-per-problem errors). */
import { durationAtLeast, durationSchema, parsePluginOptions, TesterError, z } from '@tester/core';
import { httpAuthSchema } from '@tester/core/http';

/** Where this plugin's options are, at the start of every message about them. */
export const PROMETHEUS_CONFIG_PLACE = '@tester/observer-prometheus config';

/** The server used when neither `url` nor `scrape` is given. */
export const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';

/** Poll intervals and timeouts are at least 10 ms: 0 would busy-poll Prometheus, or time out every request. */
const interval = () => durationAtLeast(10);

const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:9090' });

const querySchema = z.union([
  z.string().min(1).transform((query) => ({ query, range: false as boolean, step: 1000, lookback: 0 })),
  z.strictObject({
    /** The PromQL expression. */
    query: z.string().min(1),
    /** Run it as a range query (every sample since the observer started, at `step`). @default false */
    range: z.boolean().default(false),
    /** Resolution of a range query. @default '1s' */
    step: durationSchema.prefault('1s'),
    /** How far before the observer's start a range query reaches. @default 0 */
    lookback: durationSchema.prefault(0),
  }),
], { error: 'expected a PromQL expression, or { query, range?, step?, lookback? }' });

/** `{ type: bearer, token? }` (else `$TESTER_PROMETHEUS_TOKEN`) or `{ type: basic, username, password? }` (else `$TESTER_PROMETHEUS_PASSWORD`). */
const authSchema = httpAuthSchema({ tokenEnv: 'TESTER_PROMETHEUS_TOKEN', passwordEnv: 'TESTER_PROMETHEUS_PASSWORD' });

export const prometheusConfigSchema = z.strictObject({
  /**
   * Base URL of the Prometheus server (`--prometheus-url`). Defaults to `http://127.0.0.1:9090` unless only
   * `scrape` targets are configured (then no server is used).
   */
  url: httpUrl().optional(),
  /** `/metrics` URLs to scrape directly, for teams without a Prometheus server. @default [] */
  scrape: z.array(z.union([httpUrl(), z.strictObject({ url: httpUrl() }).transform((s) => s.url)])).default([]),
  /**
   * Regular expressions on metric names: only matching series of a direct scrape are recorded (a /metrics
   * page also carries process and runtime series that change at every scrape). @default [] (all)
   */
  scrapeInclude: z.array(z.string().refine((r) => { try { new RegExp(r); return true; } catch { return false; } }, { message: 'not a valid regular expression' })).default([]),
  /** PromQL queries run at every poll (a string is an instant query). @default [] */
  queries: z.array(querySchema).default([]),
  /**
   * Which scrape targets `barrier(T)` waits for (their `lastScrape` must be after T), matched on target
   * labels (`{ job: 'control-plane' }`). @default every active target
   */
  targets: z.record(z.string(), z.string()).optional(),
  /**
   * Let `barrier(T)` read the scrape targets' `/metrics` directly (loopback or `allowedHosts` targets only, without
   * Prometheus's credentials) instead of waiting for Prometheus's next scrape, when that is provably the same
   * (README "How the fast barrier stays exact"). `false`: always wait for a scrape after T. @default true
   */
  readTargets: z.boolean().default(true),
  /** Also run the queries the scenario's expectations declared (core's `ctx.interests` of kind `promql`). @default true */
  interest: z.boolean().default(true),
  /** Non-loopback hosts the plugin may talk to. @default [] */
  allowedHosts: z.array(z.string().min(1)).default([]),
  auth: authSchema.optional(),
  /** Timeout of each HTTP request (at least 10ms). @default '2s' */
  requestTimeout: interval().prefault('2s'),
  poll: z
    .strictObject({
      /** Interval while an expectation waits. @default '250ms' */
      fastInterval: interval().prefault('250ms'),
      /** Interval when idle. @default '5s' */
      slowInterval: interval().prefault('5s'),
      /**
       * How long `ready()` waits for a first successful poll before failing with the URL and the cause. Kept well
       * under a scenario's timeout, so that a wrong URL is reported early. A bare number is seconds. @default '10s'
       */
      readyTimeout: interval().prefault('10s'),
    })
    .prefault({}),
});

export type PrometheusOptions = z.input<typeof prometheusConfigSchema>;
type Parsed = z.output<typeof prometheusConfigSchema>;
/** The parsed configuration; `url` is resolved (undefined only in scrape-only mode). */
export type PrometheusConfig = Parsed;
export type QuerySpec = Parsed['queries'][number];

/** Parses options into a config, or throws `CONFIG_INVALID` with one line per problem. */
export function parsePrometheusConfig(options: unknown): PrometheusConfig {
  const config = parsePluginOptions(prometheusConfigSchema, options, { plugin: '@tester/observer-prometheus', block: 'prometheus' });
  if (config.url === undefined && config.scrape.length === 0) config.url = DEFAULT_PROMETHEUS_URL;
  if (config.poll.fastInterval > config.poll.slowInterval) {
    throw new TesterError('CONFIG_INVALID', `${PROMETHEUS_CONFIG_PLACE} poll.fastInterval: longer than poll.slowInterval; make fastInterval the smaller one.`);
  }
  if (config.url === undefined && config.queries.length > 0) {
    throw new TesterError('CONFIG_INVALID', `${PROMETHEUS_CONFIG_PLACE} queries: PromQL queries need a Prometheus server; set url (or --prometheus-url).`);
  }
  return config;
}
