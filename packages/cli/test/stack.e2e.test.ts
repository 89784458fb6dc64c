import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type PrivateControlPlane } from '../../../scripts/stack/index.mjs';
import { REPORT_JSON_SCHEMA } from '../src/reporters/report-schema';
import type { SuiteReport } from '../src/reporters/types';
import { fixture, runCli, startCli, until } from './helpers/cli';
import { expectReportReplays } from './helpers/seed';
import { ensureTool } from './helpers/system-tool';

const env = () => ({
  url: process.env.TESTER_CONTROL_PLANE_URL as string,
  kafka: process.env.TESTER_KAFKA_BOOTSTRAP as string,
  prometheus: process.env.TESTER_PROMETHEUS_URL as string,
});

/** A config for the shared control plane; `mysql-6` is the CLI's system there (TEAM.md). */
const sharedConfig = () => `controlPlaneUrl: http://127.0.0.1:1\nkafkaBootstrap: ${env().kafka}\nprometheusUrl: ${env().prometheus}\n`;
const privateConfig = (cp: PrivateControlPlane) =>
  `controlPlaneUrl: ${cp.url}\nkafkaBootstrap: ${env().kafka}\nprometheusUrl: ${env().prometheus}\nkafka:\n  topics: ${cp.topic}\n`;

const chaosScenario = (name: string, system: string, duration: number, timeout = '90s') =>
  `name: ${name}\ntimeout: ${timeout}\npreconditions:\n  - systems["${system}"].state == "CONNECTED"\nactions:\n  - type: CHAOS\n    system: ${system}\n    fault: CONNECTION_LOSS\n    duration: ${duration}\nexpectations:\n  states:\n    - system: ${system}\n      final_state: CONNECTED\n`;

/** The globalSetup exports the shared stack's URLs; a private-control-plane test must not inherit them (env beats the file). */
const PRIVATE = { env: { TESTER_CONTROL_PLANE_URL: undefined, TESTER_KAFKA_BOOTSTRAP: undefined, TESTER_PROMETHEUS_URL: undefined } };

const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as SuiteReport;
const chaosOf = async (cp: { url: string }, id: string) => (await (await fetch(`${cp.url}/api/v1/chaos/${id}`)).json()) as { status: string };
const ledgerOf = (dir: string) =>
  existsSync(join(dir, '.tester/ledger.json')) ? (JSON.parse(readFileSync(join(dir, '.tester/ledger.json'), 'utf8')).entries as { data: { chaosId: string } }[]) : [];

describe('tester against the real stack (shared control plane, system mysql-6)', () => {
  it('run: passes with exit 0 (flag beats the file) and writes every reporter', async () => {
    const dir = fixture({ 'tester.config.yaml': sharedConfig(), 'scenarios/loss.yaml': chaosScenario('mysql6_loss', 'mysql-6', 2) });
    const r = await runCli(
      ['run', '--scenario', 'scenarios/loss.yaml', '--control-plane-url', env().url, '-r', 'console', '-r', 'json=out/r.json', '-r', 'junit=out/j.xml', '-r', 'html=out/r.html', '-r', 'github'],
      { cwd: dir, env: { GITHUB_STEP_SUMMARY: join(dir, 'summary.md') } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('PASSED: 1 passed');
    const report = readReport(join(dir, 'out/r.json'));
    const validate = new Ajv2020({ strict: false }).compile(REPORT_JSON_SCHEMA);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.scenarios[0]?.attempts[0]?.faults).toHaveLength(1);
    execFileSync(ensureTool('xmllint', 'libxml2-utils'), ['--noout', '--schema', join(__dirname, 'fixtures/junit.xsd'), join(dir, 'out/j.xml')], { stdio: 'pipe' });
    expect(readFileSync(join(dir, 'out/r.html'), 'utf8')).toContain('CONNECTION_LOSS mysql-6');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('✅ passed');
    expect(ledgerOf(dir)).toEqual([]);
    await expectReportReplays(dir, 'out/r.json');
  }, 300_000); // includes installing xmllint on a fresh machine

  it('ci: a scenario whose expectation is not met exits 1 with the evidence; env beats the file', async () => {
    const dir = fixture({
      'tester.config.yaml': sharedConfig(),
      'scenarios/wrong.yaml': 'name: wrong_state\ntimeout: 4s\nsystems: [mysql-6]\nexpectations:\n  states:\n    - system: mysql-6\n      final_state: DEGRADED\n',
    });
    const r = await runCli(['ci', '-r', 'console', '-r', 'github', '-r', 'json=r.json'], { cwd: dir, env: { TESTER_CONTROL_PLANE_URL: env().url } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('✗ wrong_state');
    expect(r.stdout).toMatch(/evidence #\d+ api system\.state mysql-6/);
    expect(r.stdout).toContain('::error file=scenarios/wrong.yaml,line=6,col=7');
    const live = await expectReportReplays(dir, 'r.json');
    expect(live.scenarios[0]?.attempts[0]?.replay, 'a failed run carries its replay record').toBeDefined();
  }, 60_000);
});

describe('tester against a private control plane', () => {
  let cp: PrivateControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ systems: 6 });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('SIGINT mid-chaos rolls the chaos back, empties the ledger and exits 130', async () => {
    const dir = fixture({ 'tester.config.yaml': privateConfig(cp), 'scenarios/long.yaml': chaosScenario('long_chaos', 'mysql-2', 120, '200s') });
    const cli = startCli(['ci'], { cwd: dir, ...PRIVATE });
    const [entry] = await until('the ledger entry', () => (ledgerOf(dir).length ? ledgerOf(dir) : undefined), 60_000);
    const id = entry!.data.chaosId;
    await until('the chaos to be ACTIVE', async () => ((await chaosOf(cp, id)).status === 'ACTIVE' ? true : undefined)).catch(async (e: Error) => {
      throw new Error(`${e.message}; chaos: ${JSON.stringify(await chaosOf(cp, id))}; cli: ${cli.output()}`);
    });
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code, cli.output()).toBe(130);
    expect(r.stdout + r.stderr).toContain('SIGINT received: stopping and rolling back');
    expect((await chaosOf(cp, id)).status).not.toBe('ACTIVE');
    expect(ledgerOf(dir)).toEqual([]);
  }, 120_000);

  it('kill -9 mid-chaos leaves the fault in the ledger; tester cleanup ends it and empties the ledger', async () => {
    const dir = fixture({ 'tester.config.yaml': privateConfig(cp), 'scenarios/long.yaml': chaosScenario('long_chaos', 'mysql-3', 120, '200s') });
    const cli = startCli(['ci'], { cwd: dir, ...PRIVATE });
    const [entry] = await until('the ledger entry', () => (ledgerOf(dir).length ? ledgerOf(dir) : undefined), 60_000);
    const id = entry!.data.chaosId;
    await until('the chaos to be ACTIVE', async () => ((await chaosOf(cp, id)).status === 'ACTIVE' ? true : undefined));
    cli.child.kill('SIGKILL');
    await cli.done;
    expect((await chaosOf(cp, id)).status).toBe('ACTIVE');

    const warned = await runCli(['ci', '--grep', 'no-such-scenario'], { cwd: dir, ...PRIVATE });
    expect(warned.stderr).toContain('lists 1 fault(s) a previous run did not roll back');
    expect(warned.stderr).toContain(`chaos ${id}`);
    const dry = await runCli(['cleanup', '--dry-run'], { cwd: dir, ...PRIVATE });
    expect(dry.stdout).toContain(`chaos ${id}`);
    const cleanup = await runCli(['cleanup'], { cwd: dir, ...PRIVATE });
    expect(cleanup.code, cleanup.stdout + cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toContain(`chaos ${id}`);
    expect((await chaosOf(cp, id)).status).not.toBe('ACTIVE');
    expect(ledgerOf(dir)).toEqual([]);
  }, 120_000);

  it('concurrency: scenarios on different systems overlap, two on the same system never do', async () => {
    const dir = fixture({
      'tester.config.yaml': privateConfig(cp),
      'scenarios/a.yaml': chaosScenario('a_mysql4', 'mysql-4', 2),
      'scenarios/b.yaml': chaosScenario('b_mysql5', 'mysql-5', 2),
      'scenarios/c.yaml': chaosScenario('c_mysql4', 'mysql-4', 2),
    });
    const r = await runCli(['ci', '--concurrency', '3', '-r', 'json=r.json'], { cwd: dir, ...PRIVATE });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const span = (name: string) => {
      const a = readReport(join(dir, 'r.json')).scenarios.find((s) => s.name === name)!.attempts[0]!;
      const start = Date.parse(a.startedAt);
      return [start, start + a.durationMs] as const;
    };
    const overlap = (x: readonly [number, number], y: readonly [number, number]) => x[0] < y[1] && y[0] < x[1];
    expect(overlap(span('a_mysql4'), span('b_mysql5'))).toBe(true);
    expect(overlap(span('a_mysql4'), span('c_mysql4'))).toBe(false);
    await expectReportReplays(dir, 'r.json');
  }, 180_000);

  it('--shard 1/2 and 2/2 cover the suite exactly once, and merge-reports joins them', async () => {
    const quick = (name: string, system: string) =>
      // A scenario must act or expect something (one with neither checks nothing and is refused): a health check.
      `name: ${name}\ntimeout: 30s\nsystems: [${system}]\npreconditions:\n  - systems["${system}"].state == "CONNECTED"\nactions:\n  - { type: HTTP, path: /health }\nwindow: { settle: 100ms }\n`;
    const dir = fixture({
      'tester.config.yaml': privateConfig(cp),
      'scenarios/s1.yaml': quick('s1', 'mysql'),
      'scenarios/s2.yaml': quick('s2', 'mysql-2'),
      'scenarios/s3.yaml': quick('s3', 'mysql-3'),
    });
    for (const i of [1, 2]) {
      const r = await runCli(['ci', '--shard', `${i}/2`, '-r', `json=shard-${i}.json`], { cwd: dir, ...PRIVATE });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      await expectReportReplays(dir, `shard-${i}.json`);
    }
    const files = [1, 2].map((i) => readReport(join(dir, `shard-${i}.json`)).scenarios.map((s) => s.file));
    expect(files).toEqual([['scenarios/s1.yaml', 'scenarios/s3.yaml'], ['scenarios/s2.yaml']]);
    const merged = await runCli(['merge-reports', 'shard-1.json', 'shard-2.json', '-r', 'json=merged.json', '-r', 'junit=merged.xml'], { cwd: dir });
    expect(merged.code, merged.stderr).toBe(0);
    const report = readReport(join(dir, 'merged.json'));
    expect(report.summary).toMatchObject({ total: 3, passed: 3 });
    expect(report.scenarios.map((s) => s.file)).toEqual(['scenarios/s1.yaml', 'scenarios/s2.yaml', 'scenarios/s3.yaml']);
  }, 180_000);
});
