/** The options of `toxiproxyPlugin(options)` (and of the `toxiproxy` block of a config file). */
import { durationSchema, parsePluginOptions, z, TesterError } from '@tester/core';
import { isLoopbackHost } from '@tester/core/http';

/** The parsed options (what `ctx.config` holds). */
export const toxiproxyOptionsSchema = z.strictObject({
  /**
   * Base URL of Toxiproxy's HTTP API. Must be a loopback address (127.0.0.0/8, `localhost`, `[::1]`) unless
   * `allowNonLoopback` is set. @default 'http://127.0.0.1:8474'
   */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:8474' }).default('http://127.0.0.1:8474'),
  /** Allow a Toxiproxy API that is not on this machine (a shared test environment). @default false */
  allowNonLoopback: z.boolean().default(false),
  /** Timeout of each request to the API. @default '5s' */
  requestTimeout: durationSchema.prefault('5s'),
  /**
   * How many times the end of a fault (removing the toxic, re-enabling the proxy) is tried at its deadline before
   * the fault's end is reported unknown (the rollback still tries once more). @default 3
   */
  endAttempts: z.int().min(1).max(20).default(3),
});

/** What `toxiproxyPlugin(options)` accepts (every field optional). */
export type ToxiproxyOptions = z.input<typeof toxiproxyOptionsSchema>;
/** The parsed options. */
export type ToxiproxyConfig = z.output<typeof toxiproxyOptionsSchema>;

/**
 * Parses options, one line per problem: `@tester/fault-toxiproxy config url: ...`. Refuses a non-loopback URL
 * unless `allowNonLoopback` is set. Throws `CONFIG_INVALID`.
 */
export function parseToxiproxyOptions(options: unknown): ToxiproxyConfig {
  const config = parsePluginOptions(toxiproxyOptionsSchema, options, { plugin: '@tester/fault-toxiproxy', block: 'toxiproxy' });
  assertAllowedUrl(config.url, config.allowNonLoopback);
  return config;
}

/** Throws `CONFIG_INVALID` for a Toxiproxy URL that is not on loopback, unless allowed. */
export function assertAllowedUrl(url: string, allowNonLoopback: boolean): void {
  if (allowNonLoopback || isLoopbackHost(new URL(url).hostname)) return;
  throw new TesterError(
    'CONFIG_INVALID',
    `@tester/fault-toxiproxy config url: ${url} is not a loopback address; tester injects network faults only through a Toxiproxy on this machine. Use http://127.0.0.1:<port>, or set allowNonLoopback: true if this is a test environment you own.`,
  );
}
