import { definePlugin, PLUGIN_API_VERSION } from '@tester/core';
import { expectTypeOf } from 'vitest';
import { defineConfig, type TesterConfig } from '@tester/core/runner';

// Checked by `tsc -p tsconfig.json --noEmit`: the config type (derived from the schema the CLI validates with) accepts
// every documented form and rejects what the CLI rejects.
const plugin = definePlugin({ name: 'inline', apiVersion: PLUGIN_API_VERSION });
const config = defineConfig({
  controlPlaneUrl: 'http://127.0.0.1:8080',
  defaults: { concurrency: 2, timeout: '2m', failFast: true, scenariosDir: 'scenarios' },
  reporters: ['console', ['junit', { outputFile: 'reports/junit.xml' }]],
  plugins: ['tester-plugin-sql-observer', ['kafka', { topics: 'events' }], plugin],
  kafka: { brokers: ['127.0.0.1:9092'] },
});
expectTypeOf(config).toExtend<TesterConfig>();
// @ts-expect-error concurrency is a number
defineConfig({ defaults: { concurrency: 'two' } });
// @ts-expect-error a tuple's options are an object
defineConfig({ plugins: [['kafka', 3]] });
// A key a plugin binds (its package.json's tester.bindings) holds a scalar; any other plugin key a block.
defineConfig({ sqlUrl: 'http://127.0.0.1:5432', 'tester-plugin-sql': { pool: 2 } });
// @ts-expect-error a plugin key holds a block or a bound value, not a list
defineConfig({ kafak: ['127.0.0.1:9092'] });
// @ts-expect-error a reporter's options are { outputFile } only
defineConfig({ reporters: [['junit', { file: 'reports/junit.xml' }]] });
