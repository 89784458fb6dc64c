import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, startCli, until } from './helpers/cli';

const FLIP = join(__dirname, 'fixtures', 'flip-plugin.mjs');
const noStack = 'builtins: false\nplugins:\n  - assertions\n';
const valid = 'name: ok\nsystems: [nothing]\nexpectations:\n  states:\n    - system: mysql\n      final_state: CONNECTED\n';

describe('tester (built bin), commands that need no stack', () => {
  it('--version prints the package version, --help documents every command and flag', async () => {
    const dir = fixture({});
    const version = await runCli(['--version'], { cwd: dir });
    expect(version).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n` });
    const help = await runCli(['--help'], { cwd: dir });
    expect(help.code).toBe(0);
    for (const command of ['run', 'ci', 'validate', 'list', 'init', 'schema', 'merge-reports', 'cleanup']) expect(help.stdout).toContain(`tester ${command} `);
    for (const flag of ['--scenario', '--scenarios-dir', '--fail-fast', '--control-plane-url', '--kafka-bootstrap', '--prometheus-url', '--config', '--reporter', '--concurrency', '--shard', '--grep', '--tag', '--timeout', '--var', '--repeat', '--ledger', '--dry-run', '--json', '--force', '--report']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('Exit codes: 0');
  });

  it('exits 2 on bad flags and bad input, without a stack trace', async () => {
    const dir = fixture({ 'tester.config.yaml': noStack, 'scenarios/a.yaml': valid });
    const cases: [string[], RegExp][] = [
      [['ci', '--bogus'], /unknown option '--bogus'/],
      [['run'], /required option '-s, --scenario <file>' not specified/],
      [['ci', '--shard', '0/2'], /--shard 0\/2: expected i\/n/],
      [['ci', '--reporter', 'xml'], /unknown reporter "xml". Use one of: console, json, junit, html, github/],
      [['ci', '--concurrency', 'x'], /--concurrency: expected a whole number/],
      [['ci', '--scenarios-dir', 'nope'], /Scenario folder .*nope does not exist/],
      [['ci', '--grep', 'nomatch'], /no scenario matches --grep nomatch/],
      [['ci', '--config', 'missing.yaml'], /config file not found/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('validate lists every problem as file:line:col path: message and exits 2; a valid suite exits 0', async () => {
    const dir = fixture({
      'tester.config.yaml': noStack,
      'scenarios/good.yaml': valid,
      'scenarios/bad.yaml': 'name: bad\ntimeout: soon\nexpectations:\n  states:\n    - system: mysql\n      final_stat: CONNECTED\n',
    });
    const bad = await runCli(['validate'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^scenarios\/bad\.yaml:2:10 timeout: /m);
    expect(bad.stderr).toMatch(/^scenarios\/bad\.yaml:6:\d+ expectations\.states\[0\]/m);
    expect(bad.stderr).not.toContain('good.yaml');
    const good = await runCli(['validate', 'scenarios/good.yaml'], { cwd: dir });
    expect(good).toMatchObject({ code: 0, stdout: '1 scenario file(s) valid.\n' });
  });

  it('reports config problems at file:line:col, and a missing plugin with what to install', async () => {
    const typo = fixture({ 'tester.config.yaml': 'defaults:\n  concurrency: zero\n', 'scenarios/a.yaml': valid });
    const r1 = await runCli(['validate'], { cwd: typo });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`${join(typo, 'tester.config.yaml')}:2:16 defaults.concurrency:`);
    const missing = fixture({ 'tester.config.yaml': `${noStack}  - "@acme/tester-plugin-nope"\n`, 'scenarios/a.yaml': valid });
    const r2 = await runCli(['validate'], { cwd: missing });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('Plugin "@acme/tester-plugin-nope" was not found');
    expect(r2.stderr).toContain('npm install --save-dev @acme/tester-plugin-nope');
  });

  it('init writes a starter config and scenario that validate, and refuses to overwrite', async () => {
    const dir = fixture({});
    const init = await runCli(['init'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(existsSync(join(dir, 'tester.config.yaml')) && existsSync(join(dir, 'scenarios', 'example.yaml'))).toBe(true);
    const validated = await runCli(['validate'], { cwd: dir });
    expect(validated.code, validated.stderr).toBe(0);
    const again = await runCli(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
  });

  it('list shows scenarios with tags and systems, filtered by --tag and --shard', async () => {
    const dir = fixture({
      'tester.config.yaml': noStack,
      'scenarios/a.yaml': 'name: alpha\ntags: [smoke]\nsystems: [mysql]\nexpectations: { states: [{ system: mysql, final_state: CONNECTED }] }\n',
      'scenarios/b.yaml': 'name: beta\ntags: [slow]\nsystems: [mysql-2]\nexpectations: { states: [{ system: mysql, final_state: CONNECTED }] }\n',
      'scenarios/c.yaml': 'name: gamma\ntags: [smoke]\nsystems: [mysql-3]\nexpectations: { states: [{ system: mysql, final_state: CONNECTED }] }\n',
    });
    const all = await runCli(['list'], { cwd: dir });
    expect(all.stdout).toMatch(/scenarios\/a\.yaml\s+alpha\s+smoke\s+mysql\n/);
    expect(all.stdout).toContain('3 scenario(s)');
    const smoke = await runCli(['list', '--tag', 'smoke', '--json'], { cwd: dir });
    expect((JSON.parse(smoke.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['alpha', 'gamma']);
    const shard = await runCli(['list', '--shard', '2/2', '--json'], { cwd: dir });
    expect((JSON.parse(shard.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['beta']);
  });

  it('schema prints the scenario JSON Schema with the plugins\' sections, and the report schema', async () => {
    const dir = fixture({ 'tester.config.yaml': noStack });
    const scenario = await runCli(['schema'], { cwd: dir });
    expect(scenario.code).toBe(0);
    expect(JSON.stringify(JSON.parse(scenario.stdout))).toContain('final_state');
    const report = await runCli(['schema', '--report'], { cwd: dir });
    expect(JSON.parse(report.stdout)).toMatchObject({ title: 'tester json report' });
  });

  it('--fail-fast stops scheduling after a failure and marks the rest not run (exit 1)', async () => {
    const dir = fixture({
      count: '1',
      'scenarios/a.yaml': 'name: a_fails\nsystems: [one]\nexpectations:\n  flip:\n    - label: a\n',
      'scenarios/b.yaml': 'name: b_never\nsystems: [two]\nexpectations:\n  flip:\n    - label: b\n',
    });
    writeFileSync(join(dir, 'tester.config.yaml'), `builtins: false\nplugins:\n  - ["${FLIP}", { counterFile: "${join(dir, 'count')}" }]\n`);
    const r = await runCli(['ci', '--fail-fast', '-r', 'json=r.json', '-r', 'console'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.scenarios.map((s: { name: string; status: string; reason?: string }) => [s.name, s.status, s.reason ?? ''])).toEqual([
      ['a_fails', 'failed', expect.any(String)],
      ['b_never', 'not-run', 'fail-fast'],
    ]);
    expect(r.stdout).toContain('1 not run');
  });

  it('a second SIGINT exits at once naming the rollbacks that did not run; cleanup undoes them', async () => {
    const dir = fixture({});
    writeFileSync(join(dir, 'tester.config.yaml'), `builtins: false\nplugins:\n  - ["${FLIP}", { counterFile: "${join(dir, 'count')}" }]\n`);
    const scenario = `name: stuck\ntimeout: 60s\nactions:\n  - type: STUCK\n    release: ${join(dir, 'release')}\n`;
    mkdirSync(join(dir, 'scenarios'));
    writeFileSync(join(dir, 'scenarios', 'stuck.yaml'), scenario);
    const cli = startCli(['ci'], { cwd: dir });
    await until('the rollback phase', () => (cli.output().includes('rollbacks') ? true : undefined));
    cli.child.kill('SIGINT');
    await until('the first signal to be handled', () => (cli.output().includes('SIGINT received') ? true : undefined));
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code, cli.output()).toBe(130);
    expect(r.stderr).toMatch(/SIGINT again: exiting without finishing rollbacks\.\nThese rollbacks did not run:\n {2}- stuck fault /);
    const cleanup = await runCli(['cleanup'], { cwd: dir });
    expect(cleanup.code, cleanup.stdout + cleanup.stderr).toBe(0);
    expect(existsSync(join(dir, 'release.recovered'))).toBe(true);
  });

  it('SIGTERM lets the rollbacks finish, then exits 143 with an empty ledger', async () => {
    const dir = fixture({});
    writeFileSync(join(dir, 'tester.config.yaml'), `builtins: false\nplugins:\n  - ["${FLIP}", { counterFile: "${join(dir, 'count')}" }]\n`);
    mkdirSync(join(dir, 'scenarios'));
    writeFileSync(join(dir, 'scenarios', 'stuck.yaml'), `name: stuck\ntimeout: 60s\nactions:\n  - type: STUCK\n    release: ${join(dir, 'release')}\n`);
    const cli = startCli(['ci', '-r', 'console', '-r', 'json=r.json'], { cwd: dir });
    await until('the rollback phase', () => (cli.output().includes('rollbacks') ? true : undefined));
    cli.child.kill('SIGTERM');
    await until('the signal to be handled', () => (cli.output().includes('SIGTERM received') ? true : undefined));
    writeFileSync(join(dir, 'release'), 'go');
    const r = await cli.done;
    expect(r.code, cli.output()).toBe(143);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))).toMatchObject({ status: 'interrupted' });
    expect(JSON.parse(readFileSync(join(dir, '.tester/ledger.json'), 'utf8')).entries).toEqual([]);
  });

  it('--repeat 3 marks a scenario whose verdict changes as flaky in every reporter, and exits 1', async () => {
    const dir = fixture({ 'scenarios/unstable.yaml': 'name: unstable\nsystems: [nothing]\nexpectations:\n  flip:\n    - label: coin\n' });
    const config = `builtins: false\nplugins:\n  - ["${FLIP}", { counterFile: "${join(dir, 'count')}" }]\n`;
    writeFileSync(join(dir, 'tester.config.yaml'), config);
    const r = await runCli(['ci', '--repeat', '3', '-r', 'console', '-r', 'json=out/r.json', '-r', 'junit=out/j.xml', '-r', 'html=out/r.html', '-r', 'github=out/summary.md'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('~ unstable (scenarios/unstable.yaml): flaky - verdicts differed across 3 runs: passed, failed, passed');
    const report = JSON.parse(readFileSync(join(dir, 'out/r.json'), 'utf8'));
    expect(report.scenarios[0]).toMatchObject({ status: 'flaky' });
    expect(report.scenarios[0].attempts.map((a: { status: string }) => a.status)).toEqual(['passed', 'failed', 'passed']);
    expect(readFileSync(join(dir, 'out/j.xml'), 'utf8')).toContain('<property name="flaky" value="true"/>');
    expect(readFileSync(join(dir, 'out/r.html'), 'utf8')).toContain('<span class="badge flaky">flaky</span>');
    expect(r.stdout).toContain('::warning file=scenarios/unstable.yaml,line=5');
    expect(readFileSync(join(dir, 'out/summary.md'), 'utf8')).toContain('🔁 flaky');
  });
});
