import { z } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { kafkaConfigSchema, parseKafkaConfig } from './config';
import { KafkaPluginError } from './errors';

describe('kafka config', () => {
  it('refuses intervals and timeouts under 10 ms (0 would busy-poll) and over 24h', () => {
    expect(() => parseKafkaConfig({ maxWaitTimeMs: 0 })).toThrow('kafkaPlugin(options): maxWaitTimeMs: expected from 10ms to 24h, got 0');
    expect(() => parseKafkaConfig({ retry: { initialRetryTimeMs: '1ms' } })).toThrow(/retry\.initialRetryTimeMs: expected from 10ms to 24h, got "1ms"/);
    expect(() => parseKafkaConfig({ requestTimeoutMs: 1e308 })).toThrow(/requestTimeoutMs: expected from 10ms to 24h/);
    expect(parseKafkaConfig({ maxWaitTimeMs: '10ms' }).maxWaitTimeMs).toBe(10);
  });

  it('has defaults for everything', () => {
    expect(parseKafkaConfig({})).toMatchObject({
      brokers: ['127.0.0.1:9092'],
      clientId: 'tester',
      topics: ['control-plane.events'],
      startFrom: 'latest',
      maxBlindMs: 10_000,
      retry: { initialRetryTimeMs: 100, maxRetryTimeMs: 2000, retries: 8 },
      logLevel: 'warn',
    });
  });

  it('maps a comma-separated --kafka-bootstrap string onto brokers', () => {
    expect(parseKafkaConfig({ brokers: ' 127.0.0.1:9092, [::1]:9093 ' }).brokers).toEqual(['127.0.0.1:9092', '[::1]:9093']);
  });

  it('accepts durations with units and a single topic name', () => {
    const c = parseKafkaConfig({ maxBlindMs: '2.5s', connectionTimeoutMs: '750ms', topics: 'a.b', retry: { maxRetryTimeMs: '1m' } });
    expect(c.maxBlindMs).toBe(2500);
    expect(c.connectionTimeoutMs).toBe(750);
    expect(c.topics).toEqual(['a.b']);
    expect(c.retry).toEqual({ initialRetryTimeMs: 100, maxRetryTimeMs: 60_000, retries: 8 });
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
      parseKafkaConfig(options, 'tester.config.yaml kafka');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KafkaPluginError);
    expect((caught as KafkaPluginError).code).toBe('CONFIG_INVALID');
    expect((caught as Error).message).toMatch(/^tester\.config\.yaml kafka: /);
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

  it('parses its own output to the same value (the CLI parses a block, the plugin reads it back)', () => {
    const once = parseKafkaConfig({ brokers: 'a:1,b:2', startFrom: '2026-01-01T00:00:00Z', maxBlindMs: '3s', sasl: { mechanism: 'plain', username: 'u', password: 'p' }, ssl: true });
    expect(parseKafkaConfig(once)).toEqual(once);
  });

  it('converts to JSON Schema for `tester schema` (the decoder function as "any")', () => {
    for (const io of ['input', 'output'] as const) {
      const schema = z.toJSONSchema(kafkaConfigSchema, { io, unrepresentable: 'any' }) as { properties: Record<string, unknown> };
      expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['brokers', 'topics', 'maxBlindMs', 'sasl', 'ssl']));
    }
  });
});
