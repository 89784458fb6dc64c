import { parsePluginOptions, z } from '@tester/core';
import type { EventDecoder } from './decode';
import { DURATION_DEFAULTS, RETRY_DURATION_DEFAULTS, duration, legacyMs, type DurationName } from './duration';
import { compileTopics, topicEntrySchema, type TopicPlan } from './mapping/topics';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/** `"a:9092,b:9092"` or `["a:9092", "b:9092"]`, each `host:port`. What `--kafka-bootstrap` maps onto. */
const brokersSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((input, ctx) => {
    const list = (Array.isArray(input) ? input : input.split(','))
      .map((b) => b.trim())
      .filter((b) => b.length > 0);
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one broker as host:port, for example "127.0.0.1:9092"' });
      return z.NEVER;
    }
    for (const broker of list) {
      const match = HOST_PORT.exec(broker);
      const port = match ? Number(match[2]) : NaN;
      if (!match || port < 1 || port > 65535) {
        ctx.addIssue({
          code: 'custom',
          message: `expected host:port (for example "127.0.0.1:9092"), got ${JSON.stringify(broker)}`,
        });
        return z.NEVER;
      }
    }
    return list;
  });

const saslSchema = z.discriminatedUnion(
  'mechanism',
  (['plain', 'scram-sha-256', 'scram-sha-512'] as const).map((mechanism) =>
    z.strictObject({
      mechanism: z.literal(mechanism),
      username: z.string().min(1, 'sasl.username must not be empty'),
      /** Registered as a secret: never logged. */
      password: z.string().min(1, 'sasl.password must not be empty'),
    }),
  ) as [
    z.ZodObject<{ mechanism: z.ZodLiteral<'plain'>; username: z.ZodString; password: z.ZodString }, z.core.$strict>,
    z.ZodObject<{ mechanism: z.ZodLiteral<'scram-sha-256'>; username: z.ZodString; password: z.ZodString }, z.core.$strict>,
    z.ZodObject<{ mechanism: z.ZodLiteral<'scram-sha-512'>; username: z.ZodString; password: z.ZodString }, z.core.$strict>,
  ],
  { error: 'sasl.mechanism: expected one of "plain", "scram-sha-256", "scram-sha-512"' },
);

const pem = z.union([z.string(), z.array(z.string())]);

const sslSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** CA certificate(s), PEM. */
    ca: pem.optional(),
    /** File with the CA certificate(s), PEM; read when the observer starts. */
    caFile: z.string().optional(),
    /** Client certificate, PEM (mutual TLS). */
    cert: z.string().optional(),
    certFile: z.string().optional(),
    /** Client private key, PEM. Registered as a secret. */
    key: z.string().optional(),
    keyFile: z.string().optional(),
    /** Passphrase of the key. Registered as a secret. */
    passphrase: z.string().optional(),
    /** @default true. `false` accepts any certificate: for test clusters only. */
    rejectUnauthorized: z.boolean().default(true),
    /** TLS SNI server name, when it differs from the broker host. */
    servername: z.string().optional(),
  }),
]);

const decoderSchema = z.custom<EventDecoder>((value) => typeof value === 'function', {
  message: 'decoder: expected a function (message) => EventData | null',
});

/** Where the observer starts reading: the high watermarks when it starts (`latest`), or a point in time. */
const startFromSchema = z.union([
  z.literal('latest'),
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((iso) => Date.parse(iso)),
]);

/**
 * The Kafka plugin's configuration (the `kafka` block of the config file, or `kafkaPlugin(options)`).
 * Every field has a default, so `kafkaPlugin()` observes `control-plane.events` on `127.0.0.1:9092`.
 */
const kafkaOptionsSchema = z.strictObject({
  /** Bootstrap brokers: `host:port` list or comma-separated string. `--kafka-bootstrap` maps here. @default ["127.0.0.1:9092"] */
  brokers: brokersSchema.default(['127.0.0.1:9092']),
  /** Kafka client id. @default "tester" */
  clientId: z.string().min(1).default('tester'),
  /**
   * Topics to observe. A name alone reads the control-plane contract `{ id, type, system, timestamp, correlationId,
   * payload }` (or what `decoder` makes of it); `{ name, preset?, when?, events? | states?, kind?, vocabulary? }` maps
   * the topic's records with JSONata (see the README). A single name is accepted. @default ["control-plane.events"]
   */
  topics: z
    .preprocess((t) => (typeof t === 'string' ? [t] : t), z.array(topicEntrySchema).min(1, 'topics: expected at least one topic'))
    .prefault(['control-plane.events']),
  /** Prefix of the consumer group id; each session adds the run id and a random suffix. @default "tester" */
  groupIdPrefix: z.string().min(1).default('tester'),
  /**
   * Where to start: `latest` (the high watermarks read when the observer starts), or an epoch-ms number /
   * ISO time (offsets by timestamp). @default "latest"
   */
  startFrom: startFromSchema.default('latest'),
  /** TCP connect timeout per broker. A bare number is seconds. @default "3s" */
  connectionTimeout: duration().optional(),
  /** SASL handshake timeout. @default "10s" */
  authenticationTimeout: duration().optional(),
  /** Per-request timeout. @default "30s" */
  requestTimeout: duration().optional(),
  /** Longest a fetch waits at the broker when there is nothing new (also the liveness heartbeat). @default "500ms" */
  maxWaitTime: duration().optional(),
  /**
   * How long the observer may be unable to fetch (broker down, network cut) before it reports itself blind,
   * which makes expectations that depend on `kafka` `error` instead of `passed`. @default "10s"
   */
  maxBlind: duration().optional(),
  /**
   * How long `ready()` waits to be positioned on every partition before failing with the brokers and the last
   * problem (`broker 127.0.0.1:9092 unreachable: ECONNREFUSED`). Kept well under a scenario's timeout so that a wrong
   * bootstrap is reported early, not at the timeout. @default "10s"
   */
  readyTimeout: duration().optional(),
  /**
   * Longest `stop()` waits for the consumer to leave its group and the clients to disconnect (a broker that is
   * gone or paused would keep them waiting); then every socket to the brokers is destroyed. @default "2s"
   */
  stopTimeout: duration().optional(),
  /** @deprecated milliseconds: write `connectionTimeout` (bare numbers are seconds). */
  connectionTimeoutMs: legacyMs('connectionTimeoutMs').optional(),
  /** @deprecated milliseconds: write `authenticationTimeout`. */
  authenticationTimeoutMs: legacyMs('authenticationTimeoutMs').optional(),
  /** @deprecated milliseconds: write `requestTimeout`. */
  requestTimeoutMs: legacyMs('requestTimeoutMs').optional(),
  /** @deprecated milliseconds: write `maxWaitTime`. */
  maxWaitTimeMs: legacyMs('maxWaitTimeMs').optional(),
  /** @deprecated milliseconds: write `maxBlind`. */
  maxBlindMs: legacyMs('maxBlindMs').optional(),
  /** @deprecated milliseconds: write `readyTimeout`. */
  readyTimeoutMs: legacyMs('readyTimeoutMs').optional(),
  /** @deprecated milliseconds: write `stopTimeout`. */
  stopTimeoutMs: legacyMs('stopTimeoutMs').optional(),
  /** kafkajs retry settings for reconnects. */
  retry: z
    .strictObject({
      /** @default "100ms" */
      initialRetryTime: duration().optional(),
      /** @default "2s" */
      maxRetryTime: duration().optional(),
      /** @deprecated milliseconds: write `initialRetryTime`. */
      initialRetryTimeMs: legacyMs('retry.initialRetryTimeMs').optional(),
      /** @deprecated milliseconds: write `maxRetryTime`. */
      maxRetryTimeMs: legacyMs('retry.maxRetryTimeMs').optional(),
      /** Retries before kafkajs gives up (the observer then restarts its consumer itself). @default 8 */
      retries: z.number().int().min(0).default(8),
    })
    .prefault({}),
  /** SASL authentication. The password is registered as a secret. */
  sasl: saslSchema.optional(),
  /** TLS: `true` for system CAs, or explicit options. Keys and passphrases are registered as secrets. */
  ssl: sslSchema.optional(),
  /** Turns a message into an event; throw to record `event.decode-error`, return null to skip. @default JSON */
  decoder: decoderSchema.optional(),
  /** kafkajs log lines at this level and above go to the run's logger. @default "warn" */
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('warn'),
});

type Options = z.output<typeof kafkaOptionsSchema>;

/** The parsed configuration: defaults applied, durations in milliseconds, topic mappings compiled. */
export interface KafkaConfig
  extends Omit<Options, `${keyof typeof DURATION_DEFAULTS}` | `${keyof typeof DURATION_DEFAULTS}Ms` | 'retry' | 'topics'> {
  /** The topics' names, in the order given. */
  topics: string[];
  /** How each topic's records become observations. */
  plans: TopicPlan[];
  connectionTimeout: number;
  authenticationTimeout: number;
  requestTimeout: number;
  maxWaitTime: number;
  maxBlind: number;
  readyTimeout: number;
  stopTimeout: number;
  retry: { initialRetryTime: number; maxRetryTime: number; retries: number };
  /** The duration options given by their deprecated `*Ms` name: messages name them as written. */
  legacyNames: ReadonlySet<DurationName>;
}

/**
 * The Kafka plugin's configuration (the `kafka` block of the config file, or `kafkaPlugin(options)`).
 * Every field has a default, so `kafkaPlugin()` observes `control-plane.events` on `127.0.0.1:9092`.
 */
export const kafkaConfigSchema = kafkaOptionsSchema.transform((options, ctx): KafkaConfig => {
  const legacy = new Set<DurationName>();
  const pick = (name: DurationName, current: number | undefined, old: number | undefined, fallback: number, path: string[]): number => {
    if (current !== undefined && old !== undefined) {
      ctx.addIssue({ code: 'custom', path, message: `give ${name} or its deprecated ${name.replace(/^retry\./, '')}Ms (milliseconds), not both` });
    }
    if (old !== undefined) legacy.add(name);
    return current ?? old ?? fallback;
  };
  const { retry, topics, ...rest } = options;
  const { plans, problems } = compileTopics(topics);
  for (const problem of problems) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  const d = DURATION_DEFAULTS;
  const config: KafkaConfig = {
    ...rest,
    topics: plans.map((p) => p.name),
    plans,
    connectionTimeout: pick('connectionTimeout', options.connectionTimeout, options.connectionTimeoutMs, d.connectionTimeout, ['connectionTimeoutMs']),
    authenticationTimeout: pick('authenticationTimeout', options.authenticationTimeout, options.authenticationTimeoutMs, d.authenticationTimeout, ['authenticationTimeoutMs']),
    requestTimeout: pick('requestTimeout', options.requestTimeout, options.requestTimeoutMs, d.requestTimeout, ['requestTimeoutMs']),
    maxWaitTime: pick('maxWaitTime', options.maxWaitTime, options.maxWaitTimeMs, d.maxWaitTime, ['maxWaitTimeMs']),
    maxBlind: pick('maxBlind', options.maxBlind, options.maxBlindMs, d.maxBlind, ['maxBlindMs']),
    readyTimeout: pick('readyTimeout', options.readyTimeout, options.readyTimeoutMs, d.readyTimeout, ['readyTimeoutMs']),
    stopTimeout: pick('stopTimeout', options.stopTimeout, options.stopTimeoutMs, d.stopTimeout, ['stopTimeoutMs']),
    retry: {
      initialRetryTime: pick('retry.initialRetryTime', retry.initialRetryTime, retry.initialRetryTimeMs, RETRY_DURATION_DEFAULTS.initialRetryTime, ['retry', 'initialRetryTimeMs']),
      maxRetryTime: pick('retry.maxRetryTime', retry.maxRetryTime, retry.maxRetryTimeMs, RETRY_DURATION_DEFAULTS.maxRetryTime, ['retry', 'maxRetryTimeMs']),
      retries: retry.retries,
    },
    legacyNames: legacy,
  };
  for (const name of Object.keys(d)) delete (config as unknown as Record<string, unknown>)[`${name}Ms`];
  return config;
});

/** What `kafkaPlugin(options)` and the config file accept. */
export type KafkaPluginOptions = z.input<typeof kafkaConfigSchema>;

/** The plugin's package name: it starts every message about its options, and the runtime's errors from its hooks. */
export const KAFKA_PLUGIN_NAME = '@tester/observer-kafka';

/**
 * Parses options with defaults, once (the factory does; every hook reads the result as `ctx.config`). Throws
 * `CONFIG_INVALID` with one line per bad field, what it accepts, and what to fix (core's `parsePluginOptions`):
 * `@tester/observer-kafka config maxBlind: expected a duration ...`. Values that may be secrets are never echoed.
 */
export function parseKafkaConfig(options: unknown): KafkaConfig {
  return parsePluginOptions(kafkaConfigSchema, options, { plugin: KAFKA_PLUGIN_NAME, block: 'kafka' });
}
