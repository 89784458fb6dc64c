import { TesterError, z } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { kafkaConfigSchema, parseKafkaConfig } from './config';

describe('kafka config', () => {
  it('refuses intervals and timeouts under 10 ms (0 would busy-poll) and over 24h', () => {
    expect(() => parseKafkaConfig({ maxWaitTimeMs: 0 })).toThrow(
      '@tester/observer-kafka config maxWaitTimeMs: expected from 10ms to 24h, got 0\nFix the plugin options or the kafka block of the config file.',
    );
    expect(() => parseKafkaConfig({ retry: { initialRetryTimeMs: '1ms' } })).toThrow(/retry\.initialRetryTimeMs: expected from 10ms to 24h, got "1ms"/);
    expect(() => parseKafkaConfig({ requestTimeoutMs: 1e308 })).toThrow(/requestTimeoutMs: expected from 10ms to 24h/);
    expect(parseKafkaConfig({ maxWaitTimeMs: '10ms' }).maxWaitTime).toBe(10);
    expect(() => parseKafkaConfig({ maxWaitTime: '5ms' })).toThrow(/maxWaitTime: expected a duration of at least 10ms, got string "5ms"/);
    expect(() => parseKafkaConfig({ readyTimeout: 86_401 })).toThrow(/readyTimeout: expected a duration of at most 24h/);
  });

  it('reads bare numbers as seconds in the duration options, and milliseconds in their deprecated *Ms names', () => {
    const c = parseKafkaConfig({ readyTimeout: 15, maxBlind: '2.5s', stopTimeout: '700ms', retry: { maxRetryTime: 1 } });
    expect([c.readyTimeout, c.maxBlind, c.stopTimeout, c.retry.maxRetryTime]).toEqual([15_000, 2500, 700, 1000]);
    expect(c.legacyNames.size).toBe(0);
    const old = parseKafkaConfig({ readyTimeoutMs: 15, maxBlindMs: '3s', retry: { initialRetryTimeMs: 250 } });
    expect([old.readyTimeout, old.maxBlind, old.retry.initialRetryTime]).toEqual([15, 3000, 250]);
    expect([...old.legacyNames].sort()).toEqual(['maxBlind', 'readyTimeout', 'retry.initialRetryTime']);
    expect(old).not.toHaveProperty('readyTimeoutMs');
  });

  it('refuses an option given by both its name and its deprecated *Ms name', () => {
    expect(() => parseKafkaConfig({ readyTimeout: 5, readyTimeoutMs: 5000 })).toThrow(
      /readyTimeoutMs: give readyTimeout or its deprecated readyTimeoutMs \(milliseconds\), not both/,
    );
    expect(() => parseKafkaConfig({ retry: { maxRetryTime: 1, maxRetryTimeMs: 1000 } })).toThrow(/retry\.maxRetryTimeMs: give retry\.maxRetryTime or/);
  });

  it('has defaults for everything', () => {
    expect(parseKafkaConfig({})).toMatchObject({
      brokers: ['127.0.0.1:9092'],
      clientId: 'tester',
      topics: ['control-plane.events'],
      startFrom: 'latest',
      maxBlind: 10_000,
      readyTimeout: 10_000,
      stopTimeout: 2000,
      maxWaitTime: 500,
      connectionTimeout: 3000,
      authenticationTimeout: 10_000,
      requestTimeout: 30_000,
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 },
      logLevel: 'warn',
    });
  });

  it('maps a comma-separated --kafka-bootstrap string onto brokers', () => {
    expect(parseKafkaConfig({ brokers: ' 127.0.0.1:9092, [::1]:9093 ' }).brokers).toEqual(['127.0.0.1:9092', '[::1]:9093']);
  });

  it('accepts durations with units and a single topic name', () => {
    const c = parseKafkaConfig({ maxBlindMs: '2.5s', connectionTimeoutMs: '750ms', topics: 'a.b', retry: { maxRetryTimeMs: '1m' } });
    expect(c.maxBlind).toBe(2500);
    expect(c.connectionTimeout).toBe(750);
    expect(c.topics).toEqual(['a.b']);
    expect(c.plans).toEqual([{ name: 'a.b', mode: 'contract' }]);
    expect(c.retry).toEqual({ initialRetryTime: 100, maxRetryTime: 60_000, retries: 8 });
  });

  it('accepts startFrom as epoch ms or ISO time', () => {
    expect(parseKafkaConfig({ startFrom: 1_700_000_000_000 }).startFrom).toBe(1_700_000_000_000);
    expect(parseKafkaConfig({ startFrom: '2026-01-01T00:00:00Z' }).startFrom).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });

  it.each([
    [{ brokers: 'localhost' }, /brokers: expected host:port \(for example "127.0.0.1:9092"\), got "localhost"/],
    [{ brokers: '' }, /brokers: expected at least one broker/],
    [{ brokers: ['127.0.0.1:99999'] }, /got "127.0.0.1:99999"/],
    [{ maxBlindMs: 'soon' }, /maxBlindMs: expected milliseconds .* got "soon"/],
    [{ topics: [] }, /topics: expected at least one topic/],
    [{ logLevel: 'loud' }, /logLevel/],
    [{ topic: 'x' }, /topic/],
    [{ decoder: 'json' }, /decoder: expected a function/],
    [{ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, /sasl.mechanism: expected one of "plain", "scram-sha-256", "scram-sha-512"/],
  ])('rejects %j with an error that names the field', (options, message) => {
    let caught: unknown;
    try {
      parseKafkaConfig(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TesterError);
    expect((caught as TesterError).code).toBe('CONFIG_INVALID');
    expect((caught as Error).message).toMatch(/^@tester\/observer-kafka config /);
    expect((caught as Error).message).toMatch(/\nFix the plugin options or the kafka block of the config file\.$/);
    expect((caught as Error).message).toMatch(message);
  });

  it('never echoes a SASL password in a validation error', () => {
    const result = kafkaConfigSchema.safeParse({ sasl: { mechanism: 'plain', username: '', password: 'hunter2-secret' } });
    expect(result.success).toBe(false);
    expect(() => parseKafkaConfig({ sasl: { mechanism: 'plain', username: '', password: 'hunter2-secret' } })).toThrow(
      /sasl.username must not be empty/,
    );
    try {
      parseKafkaConfig({ sasl: { mechanism: 'plain', username: '', password: 'hunter2-secret' } });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2-secret');
    }
  });

  it('accepts scram SASL and TLS options', () => {
    const c = parseKafkaConfig({
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
      ssl: { ca: 'PEM', rejectUnauthorized: false },
    });
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(c.ssl).toEqual({ ca: 'PEM', rejectUnauthorized: false });
  });

  it('converts to JSON Schema for `tester schema` (the decoder function as "any")', () => {
    const schema = z.toJSONSchema(kafkaConfigSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['brokers', 'topics', 'maxBlind', 'maxBlindMs', 'readyTimeout', 'sasl', 'ssl']));
  });
});
