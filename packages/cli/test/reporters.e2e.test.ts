// Reporters as the CLI loads and runs them: a reporter module by path (on the real stack) or by package name, the
// checks made before anything runs, and a reporter that cannot write its file failing a run that passed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type PrivateControlPlane } from '../../../scripts/stack/index.mjs';
import type { SuiteReport } from '../src/reporters/types';
import { fixture, runCli, startCli, until } from './helpers/cli';

const FLIP = join(__dirname, 'fixtures', 'flip-plugin.mjs');
/** The globalSetup exports the shared stack's URLs; these runs use their own config only. */
const OWN_CONFIG = { env: { TESTER_CONTROL_PLANE_URL: undefined, TESTER_KAFKA_BOOTSTRAP: undefined, TESTER_PROMETHEUS_URL: undefined, TESTER_REPORTER: undefined } };

/** A reporter module that records every hook it is called with and writes them to its output file at the end. */
const RECORDER = `import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
export default function recorder(ctx) {
  const calls = [];
  return {
    name: 'recorder',
    onRunStart: (planned) => calls.push({ hook: 'onRunStart', planned }),
    onScenarioStart: (scenario, attempt) => calls.push({ hook: 'onScenarioStart', scenario, attempt }),
    onProgress: (scenario, event) => calls.push({ hook: 'onProgress', scenario: scenario.name, event }),
    onScenarioEnd: (scenario, result) => calls.push({ hook: 'onScenarioEnd', scenario, result }),
    async onRunEnd(report) {
      calls.push({ hook: 'onRunEnd', report });
      mkdirSync(dirname(ctx.outputFile), { recursive: true });
      writeFileSync(ctx.outputFile, JSON.stringify({ calls, rootDir: ctx.rootDir }));
    },
  };
}
`;

interface Call {
  hook: string;
  planned?: { name: string; file: string }[];
  scenario?: unknown;
  attempt?: number;
  event?: { type: string; phase?: string; id?: string; status?: string };
  result?: SuiteReport['scenarios'][number]['attempts'][number];
  report?: SuiteReport;
}

/** A config with only the flip test plugin (no stack), and a scenario whose STUCK rollback waits for `release`. */
function heldRun(): { dir: string; release: string } {
  const dir = fixture({});
  const release = join(dir, 'release');
  writeFileSync(join(dir, 'tester.config.yaml'), `builtins: false\nplugins:\n  - ["${FLIP}", { counterFile: "${join(dir, 'count')}" }]\n`);
  mkdirSync(join(dir, 'scenarios'));
  // flip passes on the first run: the scenario passes once its rollback is released.
  writeFileSync(join(dir, 'scenarios', 'held.yaml'), `name: held\ntimeout: 60s\nactions:\n  - type: STUCK\n    release: ${release}\nexpectations:\n  flip:\n    - label: first\n`);
  return { dir, release };
}

describe('a reporter module on a real run (private control plane)', () => {
  let cp: PrivateControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ systems: 1 });
  }, 120_000);
  afterAll(async () => {
    await cp?.stop();
  });

  it('given by path (--reporter ./recorder.mjs=FILE), it receives every event of the run and the same results as the json reporter', async () => {
    const dir = fixture({
      'tester.config.yaml': `builtins: false\nplugins:\n  - api\n  - assertions\ncontrolPlaneUrl: ${cp.url}\n`,
      'recorder.mjs': RECORDER,
      'scenarios/quick.yaml':
        'name: quick\ntimeout: 30s\nsystems: [mysql]\npreconditions:\n  - mysql.state == "CONNECTED"\nactions:\n  - { id: health, type: HTTP, path: /health }\n' +
        'expectations:\n  states:\n    - system: mysql\n      final_state: CONNECTED\nwindow: { settle: 100ms }\n',
    });
    const r = await runCli(['ci', '-r', 'console', '-r', './recorder.mjs=out/calls.json', '-r', 'json=out/r.json'], { cwd: dir, ...OWN_CONFIG });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { calls, rootDir } = JSON.parse(readFileSync(join(dir, 'out/calls.json'), 'utf8')) as { calls: Call[]; rootDir: string };
    const json = JSON.parse(readFileSync(join(dir, 'out/r.json'), 'utf8')) as SuiteReport;
    expect(rootDir).toBe(dir);

    expect(calls[0]).toMatchObject({ hook: 'onRunStart', planned: [{ name: 'quick', file: 'scenarios/quick.yaml', systems: ['mysql'], expectations: 1 }] });
    expect(calls[1]).toMatchObject({ hook: 'onScenarioStart', scenario: { name: 'quick' }, attempt: 1 });
    const progress = calls.filter((c) => c.hook === 'onProgress').map((c) => c.event!);
    expect(progress.filter((e) => e.type === 'phase').map((e) => e.phase)).toEqual(expect.arrayContaining(['observers', 'preconditions', 'actions', 'evaluation', 'rollbacks']));
    expect(progress).toContainEqual(expect.objectContaining({ type: 'action', id: 'health', status: 'started' }));
    const end = calls.findIndex((c) => c.hook === 'onScenarioEnd');
    expect(calls.slice(2, end).every((c) => c.hook === 'onProgress')).toBe(true);
    // The same results the json reporter wrote: the scenario's result, then the whole report, last.
    expect(calls[end]!.result).toEqual(json.scenarios[0]!.attempts[0]);
    expect(calls[end]!.result).toMatchObject({ status: 'passed', actions: [{ id: 'health', status: 'passed' }] });
    expect(calls.at(-1)).toEqual({ hook: 'onRunEnd', report: json });
    expect(calls.filter((c) => c.hook === 'onRunEnd')).toHaveLength(1);
  }, 120_000);
});

describe('reporter modules and reporter failures (no stack: the flip test plugin)', () => {
  it('a reporter package named in the config is resolved from the config\'s folder and runs with the built-ins', async () => {
    const { dir, release } = heldRun();
    writeFileSync(release, 'go');
    mkdirSync(join(dir, 'node_modules', 'acme-recorder'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'acme-recorder', 'package.json'), JSON.stringify({ name: 'acme-recorder', type: 'module', exports: './index.mjs' }));
    writeFileSync(join(dir, 'node_modules', 'acme-recorder', 'index.mjs'), RECORDER);
    writeFileSync(join(dir, 'tester.config.yaml'), `${readFileSync(join(dir, 'tester.config.yaml'), 'utf8')}reporters:\n  - console\n  - [acme-recorder, { outputFile: out/calls.json }]\n`);
    // Run from a subfolder: the package is found where the config is, the output file is relative to the config.
    mkdirSync(join(dir, 'sub'));
    const r = await runCli(['ci'], { cwd: join(dir, 'sub'), ...OWN_CONFIG });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('PASSED: 1 passed');
    const { calls } = JSON.parse(readFileSync(join(dir, 'out/calls.json'), 'utf8')) as { calls: Call[] };
    expect(calls.map((c) => c.hook).filter((h) => h !== 'onProgress')).toEqual(['onRunStart', 'onScenarioStart', 'onScenarioEnd', 'onRunEnd']);
    expect(calls.at(-1)!.report).toMatchObject({ status: 'passed', summary: { total: 1, passed: 1 } });
  }, 60_000);

  it('refuses a reporter that does not resolve or exports no reporter, with exit 2, before any action runs', async () => {
    const { dir, release } = heldRun();
    writeFileSync(release, 'go');
    writeFileSync(join(dir, 'not-a-reporter.mjs'), 'export default 42;\n');
    const cases: [string[], RegExp][] = [
      [['-r', './missing.mjs'], /--reporter \.\/missing\.mjs: unknown reporter "\.\/missing\.mjs"\. Use one of: console, json, junit, html, github, or a reporter module: a path \(\.\/my-reporter\.mjs\) or an installed package; the file .*missing\.mjs does not exist: check the path\./],
      [['-r', 'xml'], /--reporter xml: unknown reporter "xml". Use one of: console, json, junit, html, github, or a reporter module.*; no package "xml" is installed where the config is/],
      [['-r', './not-a-reporter.mjs'], /Reporter "\.\/not-a-reporter\.mjs" \(.*not-a-reporter\.mjs\) exports no reporter: export default \(ctx\) => \(\{ name: 'mine', onRunEnd\(report\) \{ \.\.\. \} \}\), or a reporter object\./],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(['ci', ...flags], { cwd: dir, ...OWN_CONFIG });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Nothing ran: the STUCK action writes the ledger when it runs.
      expect(existsSync(join(dir, '.tester', 'ledger.json')) ? JSON.parse(readFileSync(join(dir, '.tester', 'ledger.json'), 'utf8')).entries : []).toEqual([]);
    }
  }, 60_000);

  it('a json report that cannot be written makes a run whose scenarios passed exit 1, naming the reporter and the file', async () => {
    const { dir, release } = heldRun();
    // out/ does not exist yet: the check before the run sees a folder in which it can be created.
    const cli = startCli(['ci', '-r', 'console', '-r', 'json=out/r.json'], { cwd: dir, ...OWN_CONFIG });
    await until('the rollback phase', () => (cli.output().includes('rollbacks') ? true : undefined));
    // Mid-run, a file takes the report folder's name (a full disk or a removed mount fails the same way, at the end).
    writeFileSync(join(dir, 'out'), 'not a folder');
    writeFileSync(release, 'go');
    const r = await cli.done;
    expect(r.stdout).toContain('PASSED: 1 passed');
    expect(r.code, cli.output()).toBe(1);
    expect(r.stderr).toMatch(/reporter json failed in onRunEnd: .*out/);
    expect(r.stderr).toContain('tester: reporter json failed (above): its output is missing or incomplete, so the run exits 1 although every scenario passed.');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('the same run, with the report folder left alone, exits 0 and writes the report', async () => {
    const { dir, release } = heldRun();
    const cli = startCli(['ci', '-r', 'console', '-r', 'json=out/r.json'], { cwd: dir, ...OWN_CONFIG });
    await until('the rollback phase', () => (cli.output().includes('rollbacks') ? true : undefined));
    writeFileSync(release, 'go');
    const r = await cli.done;
    expect(r.code, cli.output()).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out/r.json'), 'utf8'))).toMatchObject({ status: 'passed' });
  }, 60_000);
});
