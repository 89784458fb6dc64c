import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger, PluginContext } from '@tester/core';
import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig as KafkaJsConfig, type logCreator } from 'kafkajs';
import type { KafkaConfig } from './config';
import { KafkaPluginError, describeError } from './errors';

const LEVELS = {
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
} as const;

/** Identical kafkajs lines within this span are counted, not repeated. */
const REPEAT_WINDOW_MS = 10_000;

/** Fields of kafkajs log entries that are safe and useful to pass on (never config objects). */
const PASSED_FIELDS = ['broker', 'clientId', 'groupId', 'topic', 'partition', 'error', 'retryCount', 'retryTime'];

/**
 * A kafkajs `logCreator` that routes kafkajs's own log lines to the run's logger at `level` and above.
 * kafkajs is noisy (every reconnect attempt is an ERROR line), so the default is `warn` and kafkajs errors
 * are logged as warnings: the observer itself reports what matters (blindness, not-ready, crashes).
 */
export function kafkaLogCreator(logger: Logger, level: KafkaConfig['logLevel']): logCreator {
  const threshold = LEVELS[level];
  // During an outage kafkajs repeats the same line on every retry; one per REPEAT_WINDOW_MS is enough.
  const recent = new Map<string, { at: number; suppressed: number }>();
  return () =>
    ({ namespace, level: entryLevel, log }) => {
      if (entryLevel > threshold || entryLevel === KafkaLogLevel.NOTHING) return;
      const text = `kafkajs ${namespace}: ${String(log.message)}`;
      const now = Date.now();
      const seen = recent.get(text);
      if (seen && now - seen.at < REPEAT_WINDOW_MS) {
        seen.suppressed += 1;
        return;
      }
      recent.set(text, { at: now, suppressed: 0 });
      if (recent.size > 200) recent.clear();
      const message = seen?.suppressed ? `${text} (and ${seen.suppressed} more like it)` : text;
      const fields: Record<string, unknown> = { kafkajs: namespace };
      for (const name of PASSED_FIELDS) {
        const value = (log as Record<string, unknown>)[name];
        if (value !== undefined) fields[name] = value;
      }
      if (entryLevel === KafkaLogLevel.DEBUG) logger.debug(message, fields);
      else if (entryLevel === KafkaLogLevel.INFO) logger.info(message, fields);
      else logger.warn(message, fields);
    };
}

function readPem(file: string | undefined, field: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new KafkaPluginError(
      'CONFIG_INVALID',
      `kafka ssl.${field}: cannot read ${JSON.stringify(file)} (${describeError(error)}); fix the path or give the PEM inline`,
    );
  }
}

/** kafkajs TLS options from the config; reads `*File` PEMs and registers keys and passphrases as secrets. */
function tlsOptions(ssl: KafkaConfig['ssl'], ctx: Pick<PluginContext, 'registerSecret'>): ConnectionOptions | boolean | undefined {
  if (ssl === undefined || typeof ssl === 'boolean') return ssl;
  const key = ssl.key ?? readPem(ssl.keyFile, 'keyFile');
  ctx.registerSecret(key);
  ctx.registerSecret(ssl.passphrase);
  const options: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
  const ca = ssl.ca ?? readPem(ssl.caFile, 'caFile');
  const cert = ssl.cert ?? readPem(ssl.certFile, 'certFile');
  if (ca !== undefined) options.ca = ca;
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (ssl.passphrase !== undefined) options.passphrase = ssl.passphrase;
  if (ssl.servername !== undefined) options.servername = ssl.servername;
  return options;
}

/**
 * Builds a kafkajs client from the plugin config. Registers every secret (SASL password, TLS key and
 * passphrase) with the run *before* any connection is attempted, so no log line can carry one.
 */
export function createKafka(
  config: KafkaConfig,
  ctx: Pick<PluginContext, 'registerSecret' | 'logger'>,
  clientIdSuffix?: string,
): Kafka {
  if (config.sasl) ctx.registerSecret(config.sasl.password);
  const kafkaConfig: KafkaJsConfig = {
    brokers: config.brokers,
    clientId: clientIdSuffix ? `${config.clientId}-${clientIdSuffix}` : config.clientId,
    connectionTimeout: config.connectionTimeoutMs,
    authenticationTimeout: config.authenticationTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry: {
      initialRetryTime: config.retry.initialRetryTimeMs,
      maxRetryTime: config.retry.maxRetryTimeMs,
      retries: config.retry.retries,
    },
    logLevel: LEVELS[config.logLevel],
    logCreator: kafkaLogCreator(ctx.logger, config.logLevel),
  };
  const ssl = tlsOptions(config.ssl, ctx);
  if (ssl !== undefined) kafkaConfig.ssl = ssl;
  if (config.sasl) kafkaConfig.sasl = { ...config.sasl };
  return new Kafka(kafkaConfig);
}
