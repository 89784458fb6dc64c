import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, defineConfig, ownConfigKeys } from './config';
import { PLUGIN_API_VERSION, definePlugin } from './contract';

// The same configs as define.test-d.ts: what `defineConfig` accepts the schema accepts, and what it refuses the
// schema refuses, since the type is derived from the schema.
describe('configSchema and the TesterConfig type agree', () => {
  it('accepts every documented form', () => {
    const config = defineConfig({
      plugins: ['api', ['kafka', { brokers: ['127.0.0.1:9092'] }], definePlugin({ name: 'x', apiVersion: PLUGIN_API_VERSION })],
      defaults: { timeout: '2m', concurrency: 2, failFast: true, scenariosDir: 'scenarios' },
      reporters: ['console', ['json', { outputFile: 'out/report.json' }]],
      variables: { system: 'mysql', replicas: 3, strict: true },
      api: { url: 'http://127.0.0.1:8080' },
      controlPlaneUrl: 'http://127.0.0.1:8080',
    });
    const parsed = configSchema().parse(config);
    expect(parsed.variables).toEqual({ system: 'mysql', replicas: '3', strict: 'true' });
    expect(parsed.controlPlaneUrl).toBe('http://127.0.0.1:8080');
  });

  it.each([
    ['a reporter option other than outputFile', { reporters: [['json', { file: 'out/report.json' }]] }],
    ['a tuple whose options are not an object', { plugins: [['kafka', 3]] }],
    ['a plugin key holding a list', { kafak: ['127.0.0.1:9092'] }],
    ['a wrong default', { defaults: { concurrency: 'two' } }],
    ['an unknown default', { defaults: { timeot: 5 } }],
    ['a timeout of zero', { defaults: { timeout: 0 } }],
  ])('refuses %s', (_name, config) => {
    expect(configSchema().safeParse(config).success).toBe(false);
  });
});

describe('configSchema with the keys plugins bind', () => {
  it('checks a bound key with its schema and wants a mapping at every other plugin key', () => {
    const schema = configSchema({ controlPlaneUrl: z.url() });
    expect(schema.safeParse({ controlPlaneUrl: 'http://127.0.0.1:8080', api: { pollInterval: '1s' } }).success).toBe(true);
    const bound = schema.safeParse({ controlPlaneUrl: 8080 });
    expect(bound.error?.issues[0]).toMatchObject({ path: ['controlPlaneUrl'], message: 'Invalid input: expected string, received number' });
    const scalar = schema.safeParse({ kafkaBootstrap: '127.0.0.1:9092' });
    expect(scalar.error?.issues[0]).toMatchObject({ path: ['kafkaBootstrap'], message: 'expected a mapping: a plugin block such as `api: { baseUrl: ... }`' });
  });

  it('names the own keys, which no plugin may bind', () => {
    expect(ownConfigKeys()).toEqual(['plugins', 'builtins', 'defaults', 'reporters', 'ledger', 'variables']);
  });
});
