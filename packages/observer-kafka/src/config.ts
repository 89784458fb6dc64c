import { z } from '@tester/core';
import { parseMs } from './duration';
import type { EventDecoder } from './decode';
import { KafkaPluginError } from './errors';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/** The longest millisecond option accepted: 24 hours (`1e308` would become a timer that fires at once). */
const MAX_MS = 24 * 3_600_000;

/**
 * A millisecond option: a number of ms, or a string with a unit (`500ms`, `10s`, `2m`), from `min` (10 ms for
 * intervals and timeouts: 0 would busy-poll the broker or time out at once) to 24h.
 */
const ms = (what: string, min = 10) =>
  z.union([z.number(), z.string()]).transform((input, ctx) => {
    const value = parseMs(input);
    if (value === undefined || value < min || value > MAX_MS) {
      const shown = typeof input === 'string' && input.length > 40 ? `${JSON.stringify(input.slice(0, 40))}…` : JSON.stringify(input);
      ctx.addIssue({
        code: 'custom',
        message:
          value === undefined
            ? `${what}: expected milliseconds (a number) or a duration such as "500ms", "10s", "2m", got ${shown}`
            : `${what}: expected from ${min}ms to 24h, got ${shown}`,
      });
      return z.NEVER;
    }
    return value;
  });

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
export const kafkaConfigSchema = z.strictObject({
  /** Bootstrap brokers: `host:port` list or comma-separated string. `--kafka-bootstrap` maps here. @default ["127.0.0.1:9092"] */
  brokers: brokersSchema.default(['127.0.0.1:9092']),
  /** Kafka client id. @default "tester" */
  clientId: z.string().min(1).default('tester'),
  /** Topics to observe (a single name is accepted). @default ["control-plane.events"] */
  topics: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1, 'topics: expected at least one topic')])
    .transform((t) => (Array.isArray(t) ? t : [t]))
    .default(['control-plane.events']),
  /** Prefix of the consumer group id; each session adds the run id and a random suffix. @default "tester" */
  groupIdPrefix: z.string().min(1).default('tester'),
  /**
   * Where to start: `latest` (the high watermarks read when the observer starts), or an epoch-ms number /
   * ISO time (offsets by timestamp). @default "latest"
   */
  startFrom: startFromSchema.default('latest'),
  /** TCP connect timeout per broker. @default 3000 */
  connectionTimeoutMs: ms('connectionTimeoutMs').default(3000),
  /** SASL handshake timeout. @default 10000 */
  authenticationTimeoutMs: ms('authenticationTimeoutMs').default(10_000),
  /** Per-request timeout. @default 30000 */
  requestTimeoutMs: ms('requestTimeoutMs').default(30_000),
  /** Longest a fetch waits at the broker when there is nothing new (also the liveness heartbeat). @default 500 */
  maxWaitTimeMs: ms('maxWaitTimeMs').default(500),
  /**
   * How long the observer may be unable to fetch (broker down, network cut) before it reports itself blind,
   * which makes expectations that depend on `kafka` `error` instead of `passed`. @default 10000
   */
  maxBlindMs: ms('maxBlindMs').default(10_000),
  /**
   * How long `ready()` waits to be positioned on every partition before failing with the brokers and the last
   * problem (`broker 127.0.0.1:9092 unreachable: ECONNREFUSED`). Kept well under a scenario's timeout so that a wrong
   * bootstrap is reported early, not at the timeout. Like every `Ms` option, a number is milliseconds and a string
   * may carry a unit (`10s`). @default 10000
   */
  readyTimeoutMs: ms('readyTimeoutMs').default(10_000),
  /**
   * Longest `stop()` waits for the consumer to leave its group and the clients to disconnect (a broker that is
   * gone or paused would keep them waiting); then every socket to the brokers is destroyed. @default 2000
   */
  stopTimeoutMs: ms('stopTimeoutMs').default(2000),
  /** kafkajs retry settings for reconnects. */
  retry: z
    .strictObject({
      /** @default 100 */
      initialRetryTimeMs: ms('retry.initialRetryTimeMs').default(100),
      /** @default 2000 */
      maxRetryTimeMs: ms('retry.maxRetryTimeMs').default(2000),
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

/** The parsed configuration, with defaults applied. */
export type KafkaConfig = z.output<typeof kafkaConfigSchema>;
/** What `kafkaPlugin(options)` and the config file accept. */
export type KafkaPluginOptions = z.input<typeof kafkaConfigSchema>;

/** Flattens zod issues into `path: message` lines, never echoing values (a value may be a secret). */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      const place = path.replace(/^\./, '');
      return place && !issue.message.startsWith(place) ? `${place}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Parses options with defaults. Throws `CONFIG_INVALID` naming each bad field and what it accepts.
 * @param where the place shown in the error (`kafkaPlugin(options)`, `tester.config.yaml kafka`).
 */
export function parseKafkaConfig(options: unknown, where = 'kafkaPlugin(options)'): KafkaConfig {
  const result = kafkaConfigSchema.safeParse(options ?? {});
  if (!result.success) {
    throw new KafkaPluginError('CONFIG_INVALID', `${where}: ${formatIssues(result.error)}`, { retriable: false });
  }
  return result.data;
}
