import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/config/settings';
import type { SuiteReport } from '../src/reporters/types';
import { runCli } from './helpers/cli';

/**
 * Plugins' bindings: a third-party plugin declares in its package.json which of its options a flag, an environment
 * variable and a config key set, and they reach its options exactly as the built-ins' do (`--control-plane-url`).
 * The probe plugin (fixtures/probe-plugin.mjs) reports the option it got in its expectation's message.
 */
const PROBE = join(__dirname, 'fixtures', 'probe-plugin.mjs');
const PROBE_BINDING = {
  option: 'target.url',
  flag: '--probe-url',
  valueName: 'url',
  env: 'TESTER_PROBE_URL',
  configKey: 'probeUrl',
  type: 'url',
  description: 'the URL the probe reports',
};

/** A project inside the repository (so that the probe's `@tester/core` resolves), with the probe installed. */
function project(config: string, bindings: object[] = [PROBE_BINDING]): string {
  const root = join(__dirname, '..', 'tmp');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'bindings-'));
  const pkg = join(dir, 'node_modules', 'tester-plugin-probe');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'tester-plugin-probe', version: '1.0.0', type: 'module', main: 'index.mjs', tester: { bindings } }, null, 2));
  cpSync(PROBE, join(pkg, 'index.mjs'));
  mkdirSync(join(dir, 'scenarios'));
  writeFileSync(join(dir, 'scenarios', 'probe.yaml'), 'name: probe\nsystems: [probe]\nexpectations:\n  probe:\n    - {}\n');
  writeFileSync(join(dir, 'tester.config.yaml'), config);
  return dir;
}

const url = (port: number) => `http://127.0.0.1:${port}`;
const BLOCK = `tester-plugin-probe:\n  target:\n    url: ${url(7004)}\n  label: from-block\n`;
const CONFIG = `builtins: false\nplugins:\n  - tester-plugin-probe\nprobeUrl: ${url(7003)}\n${BLOCK}`;
// Whatever the stack's environment holds, the probe's variable is the test's.
const NO_ENV = { TESTER_PROBE_URL: undefined };

/** Runs the built CLI in `dir` and returns the probe's message (exit 0 expected). */
async function probeMessage(dir: string, args: string[], env: Record<string, string | undefined> = NO_ENV): Promise<string> {
  const r = await runCli([...args, '-r', 'json=r.json'], { cwd: dir, env });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as SuiteReport;
  return report.scenarios[0]!.attempts[0]!.expectations[0]!.message;
}

describe('a third-party plugin\'s bindings, through the built CLI', () => {
  it('its flag, variable and config key reach its option: flag > environment > config key > its block', async () => {
    const dir = project(CONFIG);
    const env = { TESTER_PROBE_URL: url(7002) };
    // The flag, in both spellings, among tester's own flags (which still parse after it).
    expect(await probeMessage(dir, ['ci', '--probe-url', url(7001), '--concurrency', '1'], env)).toBe(`target.url=${url(7001)} label=from-block`);
    expect(await probeMessage(dir, ['run', `--probe-url=${url(7001)}`, '-s', 'scenarios/probe.yaml'], env)).toBe(`target.url=${url(7001)} label=from-block`);
    expect(await probeMessage(dir, ['ci'], env)).toBe(`target.url=${url(7002)} label=from-block`);
    // An empty variable counts as unset, as the CLI's own do.
    expect(await probeMessage(dir, ['ci'], { TESTER_PROBE_URL: '' })).toBe(`target.url=${url(7003)} label=from-block`);
    const blockOnly = project(`builtins: false\nplugins:\n  - tester-plugin-probe\n${BLOCK}`);
    expect(await probeMessage(blockOnly, ['ci'])).toBe(`target.url=${url(7004)} label=from-block`);
  }, 120_000);

  it('refuses a bad value naming where it came from, and a flag no configured plugin declares (exit 2)', async () => {
    const dir = project(CONFIG);
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [['ci', '--probe-url', 'backend:1'], NO_ENV, /^tester: --probe-url: expected an http\(s\) URL, got "backend:1"\./m],
      [['ci'], { TESTER_PROBE_URL: 'nope' }, /^tester: TESTER_PROBE_URL: expected an http\(s\) URL, got "nope"\./m],
      [['ci', '--probe-urll', url(7001)], NO_ENV, /unknown option '--probe-urll' \(Did you mean --probe-url\?\)/],
      [['ci', '--probe-url'], NO_ENV, /option '--probe-url <url>' argument missing/],
      [['ci', 'stray'], NO_ENV, /too many arguments for 'ci'/],
    ];
    for (const [args, env, message] of cases) {
      const r = await runCli(args, { cwd: dir, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // The config key is checked with the config, at its place in the file.
    const bad = project(`builtins: false\nplugins:\n  - tester-plugin-probe\nprobeUrl: 8080\n`);
    const r = await runCli(['ci'], { cwd: bad, env: NO_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(bad, 'tester.config.yaml')}:4:11 probeUrl: expected a string, got number 8080`);
  }, 120_000);

  it('a binding aimed at an option the plugin does not have is refused by the plugin, naming it (the mutant of the binding)', async () => {
    const dir = project(CONFIG, [{ ...PROBE_BINDING, option: 'target.uri' }]);
    const r = await runCli(['ci', '--probe-url', url(7001)], { cwd: dir, env: NO_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Plugin "tester-plugin-probe" .* rejected its options: .*target.*uri/s);
  }, 60_000);

  it('a malformed declaration is refused with its package.json and the field', async () => {
    const dir = project(CONFIG, [{ ...PROBE_BINDING, flag: '-p' }]);
    const r = await runCli(['ci'], { cwd: dir, env: NO_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'node_modules', 'tester-plugin-probe', 'package.json')} tester.bindings[0].flag: expected a long flag such as --sql-url`);
  }, 60_000);
});

describe('the same precedence for a built-in and a third-party plugin (settings, in process)', () => {
  const dir = project(CONFIG);
  const bindings = [
    { plugin: 'api', flag: '--control-plane-url', env: 'TESTER_CONTROL_PLANE_URL', configKey: 'controlPlaneUrl', block: (u: string) => ({ baseUrl: u }), read: (o: Record<string, unknown>) => o.baseUrl },
    {
      plugin: 'tester-plugin-probe',
      flag: '--probe-url',
      env: 'TESTER_PROBE_URL',
      configKey: 'probeUrl',
      block: (u: string) => ({ target: { url: u } }),
      read: (o: Record<string, unknown>) => (o.target as { url?: string } | undefined)?.url,
    },
  ];

  it.each(bindings)('$plugin: $flag > $env > $configKey > its block', (b) => {
    const optionAfter = (sources: { flag?: boolean; env?: boolean; key?: boolean }) => {
      const config = { plugins: ['tester-plugin-probe'], [b.plugin]: b.block(url(7004)), ...(sources.key ? { [b.configKey]: url(7003) } : {}) };
      const s = resolveSettings(
        { pluginFlags: sources.flag ? [[b.flag, url(7001)]] : [] },
        sources.env ? { [b.env]: url(7002) } : {},
        { file: join(dir, 'tester.config.yaml'), dir, config },
      );
      return b.read((s.plugins.find((p) => p.name === b.plugin)?.options ?? {}) as Record<string, unknown>);
    };
    expect(optionAfter({ flag: true, env: true, key: true })).toBe(url(7001));
    expect(optionAfter({ env: true, key: true })).toBe(url(7002));
    expect(optionAfter({ key: true })).toBe(url(7003));
    expect(optionAfter({})).toBe(url(7004));
  });
});
