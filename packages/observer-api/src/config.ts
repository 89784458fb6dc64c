/**
 * The configuration of `@tester/observer-api`: one zod schema whose defaults are the reference control
 * plane's contract (TEAM.md / DESIGN.md), so a control plane with other routes or field names is testable by
 * configuration alone.
 */
import { durationAtLeast, parsePluginOptions, z, TesterError } from '@tester/core';
import { httpAuthSchema } from '@tester/core/http';

/** Where this plugin's options are, at the start of every message about them. */
export const API_CONFIG_PLACE = '@tester/observer-api config';

/**
 * Intervals and timeouts are at least 10 ms: 0 would busy-poll the control plane (or time every request out at
 * once), which is never what a config means.
 */
const interval = () => durationAtLeast(10);
import { BUILTIN_RESOURCES, checkQuery, checkResources, resourceSchema, type BuiltinResource } from './resource-config';

const path = (fallback: string) => z.string().min(1).default(fallback);
const field = (fallback: string) => z.string().default(fallback);

/** Where each resource lives. `{id}`/`{resource}` are filled in, URI-encoded. */
const endpointsSchema = z
  .strictObject({
    /** @default '/api/v1/systems' */
    systems: path('/api/v1/systems'),
    /** @default '/api/v1/policies' */
    policies: path('/api/v1/policies'),
    /** @default '/api/v1/policies/{id}/executions' */
    policyExecutions: path('/api/v1/policies/{id}/executions'),
    /** @default '/api/v1/chaos' */
    chaos: path('/api/v1/chaos'),
    /** @default '/api/v1/chaos/{id}' */
    chaosItem: path('/api/v1/chaos/{id}'),
    /** @default '/api/v1/drift' */
    drift: path('/api/v1/drift'),
    /** @default '/api/v1/desired/{resource}' */
    desired: path('/api/v1/desired/{resource}'),
    /** @default '/api/v1/reconciliations' */
    reconciliations: path('/api/v1/reconciliations'),
  })
  .prefault({});

/**
 * The JSON field names read from each resource (dotted paths allowed). `items` is where the list is in a
 * list response: `''` means the body is the list itself, `data.items` a wrapped one. `query`, a JSONata
 * expression over the body, replaces `items` when the list needs more than a path (a map, a filter, renamed
 * fields): it yields the items, which the dotted fields then read.
 */
/** A JSONata query yielding a built-in resource's items (see `fields`). */
const query = z.string().min(1).optional();

const fieldsSchema = z
  .strictObject({
    systems: z
      .strictObject({ items: field(''), query, id: field('id'), state: field('state'), since: field('since') })
      .prefault({}),
    policies: z.strictObject({ items: field(''), query, id: field('id') }).prefault({}),
    executions: z
      .strictObject({
        items: field(''),
        query,
        id: field('id'),
        policyId: field('policyId'),
        system: field('system'),
        status: field('status'),
        triggeredAt: field('triggeredAt'),
        finishedAt: field('finishedAt'),
        attempts: field('attempts'),
      })
      .prefault({}),
    chaos: z
      .strictObject({
        items: field(''),
        query,
        id: field('id'),
        system: field('system'),
        fault: field('fault'),
        status: field('status'),
        startedAt: field('startedAt'),
        endedAt: field('endedAt'),
      })
      .prefault({}),
    drift: z
      .strictObject({
        items: field(''),
        query,
        resource: field('resource'),
        desired: field('desired'),
        actual: field('actual'),
        drifted: field('drifted'),
      })
      .prefault({}),
    reconciliations: z
      .strictObject({
        items: field(''),
        query,
        id: field('id'),
        resource: field('resource'),
        status: field('status'),
        startedAt: field('startedAt'),
        finishedAt: field('finishedAt'),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((fields, ctx) => {
    for (const [resource, f] of Object.entries(fields) as [string, { query?: string }][]) {
      if (f.query !== undefined) checkQuery(f.query, `api.fields.${resource}.query`, ctx, [resource, 'query']);
    }
  });

/** `{ type: bearer, token? }` (else `$TESTER_API_TOKEN`) or `{ type: basic, username, password? }` (else `$TESTER_API_PASSWORD`). */
const authSchema = httpAuthSchema({ tokenEnv: 'TESTER_API_TOKEN', passwordEnv: 'TESTER_API_PASSWORD' });

const tlsSchema = z.strictObject({
  /** CA certificate: PEM text, or a path to a PEM file. */
  ca: z.string().optional(),
  /** Client certificate (PEM text or path), for mutual TLS. */
  cert: z.string().optional(),
  /** Client key (PEM text or path). Treated as a secret. */
  key: z.string().optional(),
  /** Skip server certificate verification. Only for test setups. @default false */
  insecure: z.boolean().default(false),
});

/** The parsed configuration (what `ctx.config` holds). */
export const apiConfigSchema = z.strictObject({
  /** Base URL of the control plane. Must be a loopback address unless its host is in `allowedHosts`. @default 'http://127.0.0.1:8080' */
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:8080' }).default('http://127.0.0.1:8080'),
  /** Non-loopback hosts the plugin may talk to (`cp.staging.internal`). @default [] */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Bearer or basic auth; the secret may come from the environment. */
  auth: authSchema.optional(),
  tls: tlsSchema.optional(),
  /** Timeout of each HTTP request. @default '2s' */
  requestTimeout: interval().prefault('2s'),
  poll: z
    .strictObject({
      /** Interval while an expectation is waiting. At most 100 ms by default. @default '100ms' */
      fastInterval: interval().prefault('100ms'),
      /** Interval when nothing is pending and nothing changes. @default '2s' */
      slowInterval: interval().prefault('2s'),
      /**
       * How long `ready()` waits for a first successful poll before failing with the URL and the cause. Kept well
       * under a scenario's timeout, so that a wrong URL is reported early. A bare number is seconds. @default '10s'
       */
      readyTimeout: interval().prefault('10s'),
    })
    .prefault({}),
  /**
   * Which built-in resources (the reference control plane's) the observer polls. Each defaults to `true`, or to
   * `false` when `resources` lists any: such a config is for another system.
   */
  observe: z
    .strictObject({
      systems: z.boolean().optional(),
      policies: z.boolean().optional(),
      chaos: z.boolean().optional(),
      drift: z.boolean().optional(),
      reconciliations: z.boolean().optional(),
    })
    .prefault({}),
  endpoints: endpointsSchema,
  fields: fieldsSchema,
  /**
   * A system's own resources, mapped onto `system.state` by JSONata: a list, a map or one object per URL. See
   * the README. @default []
   */
  resources: z.array(resourceSchema).default([]).superRefine(checkResources),
  /** Chaos statuses that mean the fault is over. @default ['ENDED', 'CANCELLED'] */
  chaosEndedStatuses: z.array(z.string()).default(['ENDED', 'CANCELLED']),
  /** Interval at which a CHAOS action checks its fault's status for `ended`. @default '200ms' */
  chaosPollInterval: interval().prefault('200ms'),
  /** Header carrying the run id on every request. @default 'X-Tester-Run' */
  runHeader: z.string().min(1).default('X-Tester-Run'),
}).transform((config) => ({ ...config, observe: builtinsObserved(config.observe, config.resources.length === 0) }));

/** `observe` with every built-in resource decided: what was written, else `byDefault`. */
function builtinsObserved(observe: Partial<Record<BuiltinResource, boolean | undefined>>, byDefault: boolean): Record<BuiltinResource, boolean> {
  return Object.fromEntries(BUILTIN_RESOURCES.map((r) => [r, observe[r] ?? byDefault])) as Record<BuiltinResource, boolean>;
}

/** What `apiPlugin(options)` accepts (every field optional). */
export type ApiOptions = z.input<typeof apiConfigSchema>;
/** The parsed configuration. */
export type ApiConfig = z.output<typeof apiConfigSchema>;

/**
 * Parses options, one line per problem: `@tester/observer-api config poll.fastInterval: ...` (core's
 * {@link parsePluginOptions}). Throws `CONFIG_INVALID`.
 */
export function parseApiConfig(options: unknown): ApiConfig {
  const config = parsePluginOptions(apiConfigSchema, options, { plugin: '@tester/observer-api', block: 'api' });
  if (config.poll.fastInterval > config.poll.slowInterval) {
    throw new TesterError(
      'CONFIG_INVALID',
      `${API_CONFIG_PLACE} poll.fastInterval: ${config.poll.fastInterval} ms is longer than poll.slowInterval (${config.poll.slowInterval} ms); make fastInterval the smaller one.`,
    );
  }
  return config;
}
