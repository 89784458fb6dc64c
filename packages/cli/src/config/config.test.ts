import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, loadConfig } from './load';
import { loadPlugins } from './plugins';
import { checkReportPaths } from '../run/report-paths';
import { checkGrep, resolveSettings, type Settings } from './settings';

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
    expect((error as Error).message).toContain(`${file}:3:3 defaults.concurency: unknown key "concurency"; did you mean "concurrency"? (accepted keys: scenariosDir, concurrency, timeout, failFast)`);
    expect((error as Error).message).toContain(`${file}:6:18 controlPlaneUrl: expected a string, got number 8080`);
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

/** The options settings give the plugin `name`. */
const optionsOf = (s: Settings, name: string) => (s.plugins.find((p) => p.name === name)?.options ?? {}) as Record<string, unknown>;

describe('precedence: flags > environment > file > defaults', () => {
  const loaded = {
    file: '/p/tester.config.yaml',
    dir: '/p',
    config: { controlPlaneUrl: 'http://127.0.0.1:1001', kafkaBootstrap: '127.0.0.1:1002', defaults: { concurrency: 3 }, reporters: ['json=out.json'] },
  };

  it('uses the file over the defaults', () => {
    const s = resolveSettings({}, {}, loaded, '/cwd');
    expect([optionsOf(s, 'api').baseUrl, optionsOf(s, 'kafka').brokers, optionsOf(s, 'prometheus').url, s.concurrency, s.reporters]).toEqual([
      'http://127.0.0.1:1001',
      ['127.0.0.1:1002'],
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
    expect([optionsOf(s, 'api').baseUrl, optionsOf(s, 'kafka').brokers, s.concurrency, s.reporters, s.ledgerPath]).toEqual(['http://127.0.0.1:2001', ['127.0.0.1:1002'], 5, ['console', 'junit=j.xml'], '/l.json']);
    const f = resolveSettings({ pluginFlags: [['--control-plane-url', 'http://127.0.0.1:3001']], concurrency: '7', reporter: ['html'], scenariosDir: 'mine' }, env, loaded, '/cwd');
    expect([optionsOf(f, 'api').baseUrl, f.concurrency, f.reporters, f.scenariosDir]).toEqual(['http://127.0.0.1:3001', 7, ['html'], '/cwd/mine']);
  });

  it('passes the seed flags to the built-in plugins and keeps the built-ins on by default', () => {
    const s = resolveSettings(
      { pluginFlags: [['--kafka-bootstrap', '127.0.0.1:9092,127.0.0.1:9093'], ['--prometheus-url', 'http://127.0.0.1:9090']] },
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
    expect(() => resolveSettings({ pluginFlags: [['--control-plane-url', 'backend:8080']] }, {}, base)).toThrow('--control-plane-url: expected an http(s) URL');
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
      message: expect.stringContaining(`Plugin "./plugins/old.mjs" (${join(dir, 'plugins', 'old.mjs')}) targets plugin API v2, but this @tester/cli runs plugin API v1`),
    });
  });

  it('refuses a module that exports no plugin', async () => {
    const dir = project({ 'plugins/empty.mjs': 'export const x = 1;\n' });
    await expect(loadPlugins([{ name: './plugins/empty.mjs' }], dir)).rejects.toThrow(/exports no tester plugin/);
  });
});

describe('bad config input is refused with its place, never a crash or a hang', () => {
  const load = (files: Record<string, string>, env: NodeJS.ProcessEnv = {}) => {
    const dir = project(files);
    return loadConfig({ cwd: dir, env }).then(
      () => ({ dir, message: 'loaded' }),
      (error: Error & { code?: string }) => ({ dir, message: `${error.code}: ${error.message}` }),
    );
  };

  it('refuses an alias bomb, a self-referencing alias, an unresolved tag and __proto__ at their place', async () => {
    const bomb = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefg'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    const cases: [string, RegExp][] = [
      [bomb, /^CONFIG_INVALID: Invalid config:\n.*tester\.config\.yaml:\d+:\d+ [a-z][\w.[\]]*: more than 100 aliases \(\*name\); at most 100 are accepted/],
      ['a: &r [*r]\n', /tester\.config\.yaml:1:8 a\[0\]: the alias \*r is inside the value it refers to \(a cycle\)/],
      ['defaults: !!map []\n', /tester\.config\.yaml:1:11 \(root\): YAML: Unresolved tag: tag:yaml\.org,2002:map: remove the tag/],
      ['defaults:\n  concurrency: 1\n__proto__: { timeout: -5 }\n', /tester\.config\.yaml:3:1 __proto__: unknown key "__proto__": this key is never accepted; remove it/],
      [`defaults:\n${'  '.repeat(1)}x: ${'['.repeat(3000)}${']'.repeat(3000)}\n`, /tester\.config\.yaml:\d+:\d+ nested too deeply to be read; at most 64 levels are accepted/],
      ['defaults:\n  timeout: soon\n', /tester\.config\.yaml:2:12 defaults\.timeout: expected a duration such as 30/],
      ['defaults:\n  timeout: 1e308\n', /tester\.config\.yaml:2:12 defaults\.timeout: expected a duration of at most 24h/],
    ];
    for (const [yaml, expected] of cases) expect((await load({ 'tester.config.yaml': yaml })).message).toMatch(expected);
    const big = await load({ 'tester.config.yaml': `variables:\n  a: ${'x'.repeat(300_000)}\n` });
    expect(big.message).toBe(`CONFIG_INVALID: ${join(big.dir, 'tester.config.yaml')}: cannot read the config file: it is 300017 bytes; at most 262144 bytes (256 KiB) are read: split it.`);
  });

  it('refuses what a .mjs config cannot mean: a cycle, a throwing getter, __proto__, a default export that never settles', async () => {
    const cyclic = await load({ 'tester.config.mjs': 'const a = {}; a.self = a; export default { defaults: { concurrency: 1 }, api: a };' });
    expect(cyclic.message).toBe(`CONFIG_INVALID: ${join(cyclic.dir, 'tester.config.mjs')} api.self: the value contains itself (a cycle). A config exports plain data: copy the value instead.`);
    const getter = await load({ 'tester.config.mjs': 'export default { get defaults() { throw new Error("boom"); } };' });
    expect(getter.message).toBe(`CONFIG_INVALID: ${join(getter.dir, 'tester.config.mjs')} defaults: reading it threw: boom. A config exports plain data.`);
    const proto = await load({ 'tester.config.mjs': 'export default JSON.parse(\'{"__proto__": {"defaults": {}}}\');' });
    expect(proto.message).toMatch(/tester\.config\.mjs __proto__: unknown key "__proto__"/);
    const started = Date.now();
    for (const text of ['export default new Promise(() => {});', 'export default () => new Promise(() => {});', 'await new Promise(() => {}); export default {};']) {
      const never = await load({ 'tester.config.mjs': text }, { TESTER_LOAD_TIMEOUT: '300ms' });
      expect(never.message).toMatch(/^CONFIG_INVALID: .*tester\.config\.mjs: the config('s default export did not settle| module did not finish loading) within 300 ms.*raise TESTER_LOAD_TIMEOUT/);
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('blames a bad value on where it came from: the flag, the environment variable or the config key', () => {
    const loaded = { file: '/p/tester.config.yaml', dir: '/p', config: { defaults: { timeout: '2m' } } };
    expect(resolveSettings({}, {}, loaded).timeoutMs).toBe(120_000);
    expect(() => resolveSettings({}, { TESTER_TIMEOUT: 'soon' }, loaded)).toThrow(/^TESTER_TIMEOUT: expected a duration such as 30/);
    expect(() => resolveSettings({ timeout: '0' }, {}, loaded)).toThrow(/^--timeout: expected a duration of more than 0|^--timeout: must be more than zero/);
    expect(() => resolveSettings({}, { TESTER_CONCURRENCY: 'x' }, loaded)).toThrow('TESTER_CONCURRENCY: expected a whole number of at least 1, got "x".');
    expect(() => resolveSettings({}, { TESTER_CONTROL_PLANE_URL: 'backend' }, loaded)).toThrow('TESTER_CONTROL_PLANE_URL: expected an http(s) URL, got "backend".');
    expect(() => resolveSettings({}, {}, { ...loaded, config: { controlPlaneUrl: 'ftp://x' } })).toThrow('/p/tester.config.yaml controlPlaneUrl: expected an http(s) URL');
  });

  it('keeps at least the console reporter when a list of reporters is empty', () => {
    const base = { file: undefined, dir: '/', config: {} };
    expect(resolveSettings({}, { TESTER_REPORTER: ',,,' }, base).reporters).toEqual(['console']);
    expect(resolveSettings({}, {}, { ...base, config: { reporters: [] } }).reporters).toEqual(['console']);
    expect(resolveSettings({}, { TESTER_REPORTER: ' , json=r.json' }, base).reporters).toEqual(['json=r.json']);
  });

  it('refuses a --grep that is invalid or backtracks exponentially', async () => {
    const base = { file: undefined, dir: '/', config: {} };
    await expect(checkGrep(resolveSettings({ grep: '^(a+)+$' }, {}, base))).rejects.toThrow(/^--grep \^\(a\+\)\+\$: regular expression refused/);
    await expect(checkGrep(resolveSettings({ grep: 'mysql_.*' }, {}, base))).resolves.toBeUndefined();
    expect(() => resolveSettings({ var: ['__proto__=x'] }, {}, base)).toThrow('"__proto__" is not a variable name');
  });

  it('checks report paths before running', () => {
    const dir = project({ 'a-file': 'x' });
    expect(() => checkReportPaths(['json=/dev/null/x/r.json'], dir)).toThrow('--reporter json=/dev/null/x/r.json: the report file /dev/null/x/r.json cannot be created: /dev/null is not a folder. Choose another path.');
    expect(() => checkReportPaths(['junit=a-file/deeper/j.xml'], dir)).toThrow(`cannot be created: ${join(dir, 'a-file')} is not a folder`);
    expect(() => checkReportPaths([`html=${dir}`], dir)).toThrow('is a folder: give a file name');
    expect(() => checkReportPaths(['console', 'json=new/sub/r.json', 'junit'], dir)).not.toThrow();
  });
});

describe('plugins that are not plugins are refused, naming the plugin', () => {
  const cases: [string, string, RegExp][] = [
    ['null', 'export default () => null;', /returned null, not a plugin object: it must return definePlugin/],
    ['42', 'export default () => 42;', /returned number 42, not a plugin object/],
    ['no version', 'export default { name: "x" };', /has no apiVersion \(got nothing\): it must declare apiVersion: PLUGIN_API_VERSION/],
    ['FOO: null', 'export default { name: "x", apiVersion: 1, actions: { FOO: null } };', /: not a valid tester plugin: actions\.FOO: expected an object, got null/],
    ['cyclic, empty name', 'const p = { name: "", apiVersion: 1 }; p.self = p; export default p;', /not a valid tester plugin: name: expected a non-empty string, got string ""/],
    ['throwing getter', 'export default { name: "x", apiVersion: 1, get actions() { throw new Error("boom"); } };', /not a valid tester plugin: reading actions threw \(boom\)/],
  ];
  it.each(cases)('%s', async (_name, text, expected) => {
    const dir = project({ 'plugins/p.mjs': text });
    await expect(loadPlugins([{ name: './plugins/p.mjs' }], dir)).rejects.toMatchObject({ code: expect.stringMatching(/^PLUGIN_(ERROR|API_MISMATCH)$/), message: expect.stringMatching(expected) });
  });

  it('bounds a factory or a module that never settles', async () => {
    const dir = project({ 'plugins/never.mjs': 'export default () => new Promise(() => {});', 'plugins/tla.mjs': 'await new Promise(() => {}); export default {};' });
    await expect(loadPlugins([{ name: './plugins/never.mjs' }], dir, 200)).rejects.toThrow(/its factory did not settle within 200 ms/);
    await expect(loadPlugins([{ name: './plugins/tla.mjs' }], dir, 200)).rejects.toThrow(/did not finish loading within 200 ms/);
  });
});
