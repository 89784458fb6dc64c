import { readFileSync } from 'node:fs';
import { isIP, Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ErrorCodes, TesterError, onFirstUse, type Logger, type PluginContext } from '@tester/core';
import type * as Kafkajs from 'kafkajs';
import type { ISocketFactory, Kafka, KafkaConfig as KafkaJsConfig, logCreator, logLevel as KafkaLogLevel } from 'kafkajs';
import type { KafkaConfig } from './config';
import { describeError } from './errors';

/**
 * kafkajs, loaded on first use (about 100 ms): loading the plugin to validate scenarios, list them or print the
 * version never loads it; starting the observer or publishing does.
 */
export const loadKafkajs = onFirstUse((): Promise<typeof Kafkajs> => import('kafkajs'));

/** kafkajs's `logLevel` values, written out so that this module does not load kafkajs (client.test.ts compares them). */
export const KAFKAJS_LOG_LEVEL = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const satisfies Record<keyof typeof KafkaLogLevel, KafkaLogLevel>;

const LEVELS = {
  error: KAFKAJS_LOG_LEVEL.ERROR,
  warn: KAFKAJS_LOG_LEVEL.WARN,
  info: KAFKAJS_LOG_LEVEL.INFO,
  debug: KAFKAJS_LOG_LEVEL.DEBUG,
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
      if (entryLevel > threshold || entryLevel === KAFKAJS_LOG_LEVEL.NOTHING) return;
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
      if (entryLevel === KAFKAJS_LOG_LEVEL.DEBUG) logger.debug(message, fields);
      else if (entryLevel === KAFKAJS_LOG_LEVEL.INFO) logger.info(message, fields);
      else logger.warn(message, fields);
    };
}

function readPem(file: string | undefined, field: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new TesterError(
      ErrorCodes.CONFIG_INVALID,
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

/** kafkajs's own keep-alive delay on broker sockets. */
const KEEP_ALIVE_DELAY_MS = 60_000;

const closedError = (broker: string) => Object.assign(new Error(`the kafka client was closed (${broker})`), { code: 'ECONNABORTED' });

/** What the last broker connection problem was, as people read it: `broker 127.0.0.1:9092 unreachable: ECONNREFUSED`. */
export interface BrokerProblem {
  broker: string;
  /** `ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`, `ECONNRESET`, ... or `closed` when the broker hung up. */
  code: string;
  text: string;
}

/**
 * The sockets of one kafkajs client, as kafkajs's own socket factory makes them, but tracked: `close()` destroys
 * every one still open and makes every later connection attempt fail at once. kafkajs has no way to cancel its
 * reconnects and retries, and a broker that is gone or paused (SIGSTOP) keeps a `disconnect()` waiting for up to a
 * request timeout while its sockets and timers keep the process alive; closing the sockets ends all of that.
 * It also remembers the last connection problem per broker, for messages that name the address and the cause.
 */
export class SocketTracker {
  private readonly open = new Set<Socket>();
  private closed = false;
  private last: BrokerProblem | undefined;

  /** The factory to give kafkajs (`socketFactory`). */
  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const broker = `${host}:${port}`;
    if (this.closed) {
      // kafkajs listens for 'error' right after this returns: fail on the next tick, without touching the network.
      const socket = new Socket();
      process.nextTick(() => socket.destroy(closedError(broker)));
      return socket;
    }
    const socket = ssl
      ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    this.open.add(socket);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.closed) return;
      const code = error.code ?? error.name;
      this.last = { broker, code, text: `broker ${broker} unreachable: ${code}${error.message && !error.message.includes(code) ? ` (${error.message})` : ''}` };
    });
    socket.on('connect', () => {
      if (this.last?.broker === broker) this.last = undefined;
    });
    socket.on('close', () => this.open.delete(socket));
    return socket;
  };

  /** The last connection problem since the last successful connection to that broker, if any. */
  problem(): BrokerProblem | undefined {
    return this.last;
  }

  /** Sockets still open. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Destroys every open socket and refuses new ones. Idempotent. With an error: kafkajs learns that a connection
   * died only from 'error' or 'end' (not 'close'), and rejects its pending requests then instead of at their timeout.
   */
  close(): void {
    this.closed = true;
    for (const socket of this.open) socket.destroy(closedError(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`));
    this.open.clear();
  }
}

/**
 * Builds a kafkajs client from the plugin config, loading kafkajs on first use. Registers every secret (SASL password,
 * TLS key and passphrase) with the run *before* any connection is attempted, so no log line can carry one.
 */
export async function createKafka(
  config: KafkaConfig,
  ctx: Pick<PluginContext, 'registerSecret' | 'logger'>,
  clientIdSuffix?: string,
  sockets?: SocketTracker,
  /**
   * Retries of the client's own connects and metadata refreshes, when fewer than `retry.retries` (the observer
   * retries those itself, in loops that stop with it: kafkajs's retries cannot be cancelled).
   */
  clusterRetries?: number,
): Promise<Kafka> {
  if (config.sasl) ctx.registerSecret(config.sasl.password);
  const ssl = tlsOptions(config.ssl, ctx);
  const { Kafka } = await loadKafkajs();
  const kafkaConfig: KafkaJsConfig = {
    brokers: config.brokers,
    clientId: clientIdSuffix ? `${config.clientId}-${clientIdSuffix}` : config.clientId,
    connectionTimeout: config.connectionTimeout,
    authenticationTimeout: config.authenticationTimeout,
    requestTimeout: config.requestTimeout,
    retry: {
      initialRetryTime: config.retry.initialRetryTime,
      maxRetryTime: config.retry.maxRetryTime,
      retries: Math.min(config.retry.retries, clusterRetries ?? config.retry.retries),
    },
    logLevel: LEVELS[config.logLevel],
    logCreator: kafkaLogCreator(ctx.logger, config.logLevel),
    ...(sockets ? { socketFactory: sockets.factory } : {}),
  };
  if (ssl !== undefined) kafkaConfig.ssl = ssl;
  if (config.sasl) kafkaConfig.sasl = { ...config.sasl };
  return new Kafka(kafkaConfig);
}
