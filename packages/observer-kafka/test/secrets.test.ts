/**
 * SASL and TLS secrets: registered with the run before any connection, and absent from every log line and
 * error even when the connection fails (the harness logger does NOT redact, so this proves the plugin never
 * writes them in the first place).
 */
import type { ObserverSession } from '@tester/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaPlugin, type KafkaPluginOptions } from '../src/index';
import { createHarness } from './harness';
import { randomTopic, sharedBootstrap } from './kafka-helpers';

const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-do-not-leak`;
const KEY = `-----BEGIN PRIVATE KEY-----\nkey-${Math.random().toString(36).slice(2)}-do-not-leak\n-----END PRIVATE KEY-----`;
const PASSPHRASE = `pp-${Math.random().toString(36).slice(2)}-do-not-leak`;

const sessions: ObserverSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

function everything(h: ReturnType<typeof createHarness>, error: unknown): string {
  const e = error as Error & { cause?: unknown; context?: unknown };
  return JSON.stringify({
    logs: h.logs,
    observations: h.observations,
    blindness: h.blindness,
    error: { message: e?.message, stack: e?.stack, context: e?.context, cause: String(e?.cause) },
  });
}

async function failToStart(options: KafkaPluginOptions) {
  const plugin = kafkaPlugin({ brokers: sharedBootstrap(), topics: [randomTopic()], readyTimeoutMs: 4000, retry: { retries: 1 }, ...options });
  const h = createHarness({ config: plugin.options });
  const session = await plugin.observers!.kafka!.start(h.ctx);
  sessions.push(session);
  const error = await session.ready().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { h, error, plugin };
}

describe('secrets', () => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)(
    'a SASL %s password is registered and never logged, even when authentication fails',
    async (mechanism) => {
      const { h, error } = await failToStart({ sasl: { mechanism, username: 'tester', password: PASSWORD } });
      expect(error).toMatchObject({ code: 'OBSERVER_NOT_READY' });
      expect(h.secrets).toContain(PASSWORD);
      // Something was logged or reported about the failure, and none of it carries the password.
      expect(h.logs.length + String((error as Error).message).length).toBeGreaterThan(0);
      expect(everything(h, error)).not.toContain(PASSWORD);
    },
  );

  it('a TLS key and passphrase are registered and never logged', async () => {
    const { h, error } = await failToStart({ ssl: { key: KEY, passphrase: PASSPHRASE, rejectUnauthorized: false } });
    expect(error).toMatchObject({ code: 'OBSERVER_NOT_READY' });
    expect(h.secrets).toEqual(expect.arrayContaining([KEY, PASSPHRASE]));
    const all = everything(h, error);
    expect(all).not.toContain(PASSPHRASE);
    expect(all).not.toContain(KEY.split('\n')[1]);
  });

  it('KAFKA_PUBLISH with SASL fails as ACTION_FAILED without the password', async () => {
    const plugin = kafkaPlugin({
      brokers: sharedBootstrap(),
      retry: { retries: 1 },
      sasl: { mechanism: 'plain', username: 'tester', password: PASSWORD },
    });
    const h = createHarness({ config: plugin.options });
    const action = plugin.actions!.KAFKA_PUBLISH!;
    const error = await action
      .run({ ...h.ctx, actionId: 'publish', ledger: { record: async () => ({ strike: async () => undefined }) } }, { topic: randomTopic(), value: 'x' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: 'ACTION_FAILED', message: expect.stringMatching(/^publish KAFKA_PUBLISH to /) });
    expect(h.secrets).toContain(PASSWORD);
    expect(everything(h, error)).not.toContain(PASSWORD);
  });

  it('a config error about SASL does not echo the password', () => {
    expect(() => kafkaPlugin({ sasl: { mechanism: 'plain', username: '', password: PASSWORD } })).toThrow(/sasl.username must not be empty/);
    try {
      kafkaPlugin({ sasl: { mechanism: 'plain', username: '', password: PASSWORD } });
    } catch (error) {
      expect(JSON.stringify({ m: (error as Error).message, s: (error as Error).stack })).not.toContain(PASSWORD);
    }
  });
});
