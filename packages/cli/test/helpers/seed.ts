/**
 * Private instances of the reference control plane, each scraped by a private Prometheus, and the seed scenarios
 * run against them by the BUILT cli: what the seed-scenario, switch and mutation e2e tests share.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, startPrometheus, type PrivateControlPlane } from '../../../../scripts/stack/index.mjs';
import type { SuiteReport } from '../../src/reporters/types';
import { expectReportReplays as replayCheck } from '../../../../scripts/test-support/replay.mjs';
import { fixture, runCli, until } from './cli';

export const SCENARIOS = join(__dirname, '..', '..', '..', '..', 'scenarios');
/** The globalSetup exports the shared stack's URLs; env beats the config file, so a private run must not inherit them. */
export const PRIVATE = { env: { TESTER_CONTROL_PLANE_URL: undefined, TESTER_KAFKA_BOOTSTRAP: undefined, TESTER_PROMETHEUS_URL: undefined, TESTER_CONFIG: undefined } };

export interface Instance {
  cp: PrivateControlPlane;
  prom: Awaited<ReturnType<typeof startPrometheus>>;
  stop(): Promise<void>;
}

/** A private control plane with `misbehave` and `systems`, and a Prometheus scraping only it (stop: Prometheus first). */
export async function instance(misbehave: string[], systems = 3): Promise<Instance> {
  const cp = await startControlPlane({ misbehave, systems });
  let prom: Instance['prom'];
  try {
    prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
  } catch (error) {
    await cp.stop();
    throw error;
  }
  const stop = async () => {
    await prom.stop();
    await cp.stop();
  };
  // A new Prometheus scrapes for the first time only after its target discovery (a few seconds): before that a
  // scenario would have no samples from before its fault.
  const up = `${prom.url}/api/v1/query?query=${encodeURIComponent(`up{instance="127.0.0.1:${cp.port}"}`)}`;
  try {
    await until('the private Prometheus to scrape the control plane', async () => {
      const body = (await (await fetch(up)).json()) as { data?: { result?: { value: [number, string] }[] } };
      return body.data?.result?.some((r) => r.value[1] === '1') ? true : undefined;
    }, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { cp, prom, stop };
}

/** A tester.config.yaml for `inst`. */
export function configFor(inst: Instance): string {
  return [
    `controlPlaneUrl: ${inst.cp.url}`,
    `kafkaBootstrap: ${process.env.TESTER_KAFKA_BOOTSTRAP as string}`,
    `prometheusUrl: ${inst.prom.url}`,
    'kafka:',
    `  topics: ${inst.cp.topic}`,
    '',
  ].join('\n');
}

/** Runs `tester ci` on `files` (shipped scenario names, or `{ name: yamlText }`) against `inst`; the exit code and the JSON report. */
export async function runSeed(inst: Instance, files: string[] | Record<string, string>, extraArgs: string[] = []) {
  const dir = fixture({ 'tester.config.yaml': configFor(inst) });
  if (Array.isArray(files)) for (const f of files) cpSync(join(SCENARIOS, f), join(dir, 'scenarios', f));
  else for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'scenarios', name), text);
  const r = await runCli(['ci', '--scenarios-dir', 'scenarios', '-r', 'console', '-r', 'json=report.json', ...extraArgs], { cwd: dir, ...PRIVATE });
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as SuiteReport;
  await expectReportReplays(dir);
  return { ...r, report, output: r.stdout + r.stderr, dir };
}

export function expectReportReplays(dir: string, reportFile = 'report.json'): Promise<SuiteReport> {
  return replayCheck<SuiteReport>(dir, reportFile, (args, cwd) => runCli(args, { cwd, ...PRIVATE }));
}

export const attemptOf = (report: SuiteReport, name: string) => report.scenarios.find((s) => s.name === name)!.attempts[0]!;
export const summary = (report: SuiteReport) =>
  report.scenarios.flatMap((s) => s.attempts[0]!.expectations.map((e) => `${s.name} ${e.id} ${e.status}: ${e.message}`)).join('\n');

