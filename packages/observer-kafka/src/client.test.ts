import type { Logger } from '@tester/core';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KAFKAJS_LOG_LEVEL, createKafka, kafkaLogCreator } from './client';
import { parseKafkaConfig } from './config';

function capture() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return { lines, logger };
}

const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) => ({
  namespace: 'Connection',
  level,
  label: 'X',
  log: { timestamp: 'now', logger: 'kafkajs', message, ...extra },
});

describe('kafkaLogCreator', () => {
  it("uses kafkajs's own log level values (written out so that loading the plugin does not load kafkajs)", () => {
    expect(KAFKAJS_LOG_LEVEL).toEqual({ NOTHING: logLevel.NOTHING, ERROR: logLevel.ERROR, WARN: logLevel.WARN, INFO: logLevel.INFO, DEBUG: logLevel.DEBUG });
  });

  it('passes warn and error lines (errors as warnings) and drops info and debug at the default level', () => {
    const { lines, logger } = capture();
    const log = kafkaLogCreator(logger, 'warn')(logLevel.WARN);
    log(entry(logLevel.ERROR, 'Connection error: ECONNREFUSED'));
    log(entry(logLevel.WARN, 'rebalancing'));
    log(entry(logLevel.INFO, 'joined'));
    log(entry(logLevel.DEBUG, 'request'));
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'kafkajs Connection: Connection error: ECONNREFUSED'],
      ['warn', 'kafkajs Connection: rebalancing'],
    ]);
  });

  it('passes info and debug when asked', () => {
    const { lines, logger } = capture();
    const log = kafkaLogCreator(logger, 'debug')(logLevel.DEBUG);
    log(entry(logLevel.INFO, 'joined'));
    log(entry(logLevel.DEBUG, 'request'));
    expect(lines.map((l) => l.level)).toEqual(['info', 'debug']);
  });

  it('counts repeated lines instead of repeating them', () => {
    const { lines, logger } = capture();
    const log = kafkaLogCreator(logger, 'warn')(logLevel.WARN);
    for (let i = 0; i < 50; i++) log(entry(logLevel.ERROR, 'Connection error: ECONNREFUSED'));
    log(entry(logLevel.ERROR, 'another problem'));
    expect(lines.map((l) => l.message)).toEqual([
      'kafkajs Connection: Connection error: ECONNREFUSED',
      'kafkajs Connection: another problem',
    ]);
  });

  it('passes only known-safe fields, never arbitrary objects from kafkajs', () => {
    const { lines, logger } = capture();
    const log = kafkaLogCreator(logger, 'warn')(logLevel.WARN);
    log(entry(logLevel.ERROR, 'failed', { broker: '127.0.0.1:9092', sasl: { password: 'p' }, stack: 'at ...' }));
    expect(lines[0]!.fields).toEqual({ kafkajs: 'Connection', broker: '127.0.0.1:9092' });
  });
});

describe('createKafka', () => {
  const ctx = () => {
    const secrets: string[] = [];
    return { secrets, ctx: { logger: capture().logger, registerSecret: (s: string | undefined) => void (s && secrets.push(s)) } };
  };

  it('registers the SASL password and TLS key and passphrase before connecting', async () => {
    const { secrets, ctx: c } = ctx();
    await createKafka(parseKafkaConfig({ sasl: { mechanism: 'plain', username: 'u', password: 'pw' }, ssl: { key: 'KEY', passphrase: 'pp' } }), c);
    expect(secrets.sort()).toEqual(['KEY', 'pp', 'pw']);
  });

  it('says which TLS file it cannot read and how to fix it', async () => {
    const { ctx: c } = ctx();
    await expect(createKafka(parseKafkaConfig({ ssl: { caFile: '/nonexistent/ca.pem' } }), c)).rejects.toThrow(
      /^kafka ssl\.caFile: cannot read "\/nonexistent\/ca\.pem" \(.*ENOENT.*\); fix the path or give the PEM inline$/,
    );
  });
});
