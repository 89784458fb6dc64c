import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, loadConfig } from './load';
import { loadPlugins } from './plugins';
import { resolveSettings } from './settings';

const project = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'tester-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
};

describe('config discovery and parsing', () => {
  it('finds the config walking up from a sub-folder', () => {
    const dir = project({ 'tester.config.yaml': 'concurrency: 2\n', 'a/b/c/.keep': '' });
    expect(findConfigFile(join(dir, 'a/b/c'))).toBe(join(dir, 'tester.config.yaml'));
  });

  it('reports YAML schema problems at file:line:col with the path', async () => {
    const dir = project({ 'tester.config.yaml': 'defaults:\n  concurrency: 2\n  concurency: 3\nreporters:\n  - console\ncontrolPlaneUrl: 8080\n' });
    const error = await loadConfig({ cwd: dir, env: {} }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const file = join(dir, 'tester.config.yaml');
    expect((error as Error).message).toContain(`${file}:3:3 defaults: Unrecognized key: "concurency"`);
    expect((error as Error).message).toContain(`${file}:6:18 controlPlaneUrl: Invalid input: expected string, received number`);
    expect((error as Error).message).not.toMatch(/\n\s+at /);
  });

  it('interpolates ${VAR} and ${VAR:-default}, and names an unset variable with its position', async () => {
    const dir = project({ 'tester.config.yaml': 'controlPlaneUrl: ${CP_URL}\nprometheusUrl: ${PROM:-http://127.0.0.1:9090}\n' });
    const { config } = await loadConfig({ cwd: dir, env: { CP_URL: 'http://127.0.0.1:18080' } });
    expect(config).toEqual({ controlPlaneUrl: 'http://127.0.0.1:18080', prometheusUrl: 'http://127.0.0.1:9090' });
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toThrow(`${join(dir, 'tester.config.yaml')}:1:18: environment variable CP_URL is not set`);
  });

  it('loads .json, .mjs and .ts (defineConfig) configs', async () => {
    const json = project({ 'tester.config.json': '{ "defaults": { "concurrency": 3 } }' });
    expect((await loadConfig({ cwd: json, env: {} })).config).toEqual({ defaults: { concurrency: 3 } });
    const mjs = project({ 'tester.config.mjs': 'export default { defaults: { concurrency: 4, scenariosDir: "${DIR}" } };' });
    expect((await loadConfig({ cwd: mjs, env: { DIR: 'suite' } })).config).toEqual({ defaults: { concurrency: 4, scenariosDir: 'suite' } });
    const ts = project({
      'tester.config.ts': 'const defineConfig = <T>(c: T): T => c;\nconst n: number = 5;\nexport default defineConfig({ defaults: { concurrency: n } });\n',
    });
    expect((await loadConfig({ cwd: ts, env: {} })).config).toEqual({ defaults: { concurrency: 5 } });
  });
});

describe('precedence: flags > environment > file > defaults', () => {
  const loaded = {
    file: '/p/tester.config.yaml',
    dir: '/p',
    config: { controlPlaneUrl: 'http://127.0.0.1:1001', kafkaBootstrap: '127.0.0.1:1002', defaults: { concurrency: 3 }, reporters: ['json=out.json'] },
  };

  it('uses the file over the defaults', () => {
    const s = resolveSettings({}, {}, loaded, '/cwd');
    expect([s.controlPlaneUrl, s.kafkaBootstrap, s.prometheusUrl, s.concurrency, s.reporters]).toEqual([
      'http://127.0.0.1:1001',
      '127.0.0.1:1002',
      undefined,
      3,
      ['json=out.json'],
    ]);
    expect(s.scenariosDir).toBe('/p/scenarios');
    expect(s.ledgerPath).toBe('/p/.tester/ledger.json');
    expect(resolveSettings({}, {}, { file: undefined, dir: '/cwd', config: {} }, '/cwd')).toMatchObject({ concurrency: 1, reporters: ['console'], repeat: 1, failFast: false });
  });

  it('uses the environment over the file, and flags over both', () => {
    const env = { TESTER_CONTROL_PLANE_URL: 'http://127.0.0.1:2001', TESTER_CONCURRENCY: '5', TESTER_REPORTER: 'console,junit=j.xml', TESTER_LEDGER: '/l.json' };
    const s = resolveSettings({}, env, loaded, '/cwd');
    expect([s.controlPlaneUrl, s.kafkaBootstrap, s.concurrency, s.reporters, s.ledgerPath]).toEqual(['http://127.0.0.1:2001', '127.0.0.1:1002', 5, ['console', 'junit=j.xml'], '/l.json']);
    const f = resolveSettings({ controlPlaneUrl: 'http://127.0.0.1:3001', concurrency: '7', reporter: ['html'], scenariosDir: 'mine' }, env, loaded, '/cwd');
    expect([f.controlPlaneUrl, f.concurrency, f.reporters, f.scenariosDir]).toEqual(['http://127.0.0.1:3001', 7, ['html'], '/cwd/mine']);
  });

  it('passes the seed flags to the built-in plugins and keeps the built-ins on by default', () => {
    const s = resolveSettings(
      { kafkaBootstrap: '127.0.0.1:9092,127.0.0.1:9093', prometheusUrl: 'http://127.0.0.1:9090' },
      {},
      { ...loaded, config: { ...loaded.config, plugins: [['kafka', { topics: 't1' }], 'tester-plugin-sql'], api: { pollInterval: '1s' }, 'tester-plugin-sql': { query: 'select 1' } } },
      '/cwd',
    );
    expect(s.plugins).toEqual([
      { name: 'api', options: { pollInterval: '1s', baseUrl: 'http://127.0.0.1:1001' } },
      { name: 'prometheus', options: { url: 'http://127.0.0.1:9090' } },
      { name: 'assertions', options: {} },
      { name: 'kafka', options: { topics: 't1', brokers: ['127.0.0.1:9092', '127.0.0.1:9093'] } },
      { name: 'tester-plugin-sql', options: { query: 'select 1' } },
    ]);
  });

  it('refuses a top-level key that is neither a config key nor a configured plugin', () => {
    expect(() => resolveSettings({}, {}, { file: '/p/tester.config.yaml', dir: '/p', config: { kafak: { brokers: 'x' } } })).toThrow(
      '/p/tester.config.yaml: "kafak" is neither a config key',
    );
  });

  it('rejects bad flag values with the flag and the fix', () => {
    const base = { file: undefined, dir: '/', config: {} };
    expect(() => resolveSettings({ shard: '3/2' }, {}, base)).toThrow('--shard 3/2: expected i/n with 1 <= i <= n');
    expect(() => resolveSettings({ concurrency: 'two' }, {}, base)).toThrow('--concurrency: expected a whole number of at least 1, got "two"');
    expect(() => resolveSettings({ var: ['novalue'] }, {}, base)).toThrow('--var novalue: expected name=value');
    expect(() => resolveSettings({ controlPlaneUrl: 'backend:8080' }, {}, base)).toThrow('--control-plane-url: expected an http(s) URL');
  });
});

describe('plugin loading from the user project', () => {
  const plugin = (apiVersion: number) =>
    `export default function sqlPlugin(options) { return { name: 'tester-plugin-fake', apiVersion: ${apiVersion}, options, observers: {} }; }\n`;

  it('resolves a package from the config folder and calls its factory with the tuple options', async () => {
    const dir = project({
      'node_modules/tester-plugin-fake/package.json': '{ "name": "tester-plugin-fake", "type": "module", "main": "index.js" }',
      'node_modules/tester-plugin-fake/index.js': plugin(1),
    });
    const [loaded] = await loadPlugins([{ name: 'tester-plugin-fake', options: { query: 'select 1' } }], dir);
    expect(loaded).toMatchObject({ name: 'tester-plugin-fake', apiVersion: 1, options: { query: 'select 1' } });
  });

  it('names a missing package and the npm command that installs it', async () => {
    const dir = project({});
    await expect(loadPlugins([{ name: '@acme/tester-plugin-nope' }], dir)).rejects.toThrow(
      `Plugin "@acme/tester-plugin-nope" was not found from ${dir}. Install it in your project: npm install --save-dev @acme/tester-plugin-nope`,
    );
  });

  it('refuses a plugin built for another plugin API version', async () => {
    const dir = project({ 'plugins/old.mjs': plugin(2) });
    await expect(loadPlugins([{ name: './plugins/old.mjs' }], dir)).rejects.toMatchObject({
      code: 'PLUGIN_API_MISMATCH',
      message: expect.stringContaining('Plugin "./plugins/old.mjs" targets plugin API v2, but this @tester/cli runs plugin API v1'),
    });
  });

  it('refuses a module that exports no plugin', async () => {
    const dir = project({ 'plugins/empty.mjs': 'export const x = 1;\n' });
    await expect(loadPlugins([{ name: './plugins/empty.mjs' }], dir)).rejects.toThrow(/exports no tester plugin/);
  });
});
