#!/usr/bin/env node
// Benchmark: judging mutants by replay (`tester mutate --from`) against the baseline it replaces, running the
// scenario live, both measured in this run on the same scenario and the same real stack. Prints the figures and
// the ratio per mutant, not absolute claims. Goal (issue "Replay and mutation score"): 100 mutated expectations
// judged in under 5 s.
// Run: npm run build && node bench/mutate.bench.mjs (starts the shared stack if it is not up; a private control
// plane and Prometheus for the run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureStack } from '../scripts/stack/index.mjs';
import { privateControlPlane } from './private-stack.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'packages/cli/dist/bin.cjs');
const SCENARIO = process.env.BENCH_SCENARIO ?? 'mysql_failure';
const COPIES = Number(process.env.BENCH_COPIES ?? 4);

const stack = await ensureStack({ startedBy: 'ensure' });
const priv = await privateControlPlane(stack);
const dir = mkdtempSync(join(tmpdir(), 'tester-bench-mutate-'));
try {
  writeFileSync(join(dir, 'tester.config.yaml'), priv.config);
  mkdirSync(join(dir, 'scenarios'));
  copyFileSync(join(ROOT, 'scenarios', `${SCENARIO}.yaml`), join(dir, 'scenarios', `${SCENARIO}.yaml`));
  const env = { ...process.env, TESTER_CONTROL_PLANE_URL: '', TESTER_KAFKA_BOOTSTRAP: '', TESTER_PROMETHEUS_URL: '', TESTER_CONFIG: '' };
  const run = (args) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, encoding: 'utf8' });
    return { ms: performance.now() - started, code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  const live = run(['ci', '--scenarios-dir', 'scenarios', '-r', 'json=report.json']);
  if (live.code !== 0) throw new Error(`the live run of ${SCENARIO} did not pass (exit ${live.code}):\n${live.out}`);
  // Copies of the scenario (same name, same recorded run) until there are at least 100 mutants to judge.
  mkdirSync(join(dir, 'copies'));
  const text = readFileSync(join(dir, 'scenarios', `${SCENARIO}.yaml`), 'utf8');
  for (let i = 0; i < COPIES; i++) writeFileSync(join(dir, 'copies', `${SCENARIO}-${i}.yaml`), text);
  const mutate = run(['mutate', 'copies', '--from', 'report.json', '--json', 'mutation.json']);
  if (mutate.code !== 0) throw new Error(`tester mutate exited ${mutate.code}:\n${mutate.out}`);
  const report = JSON.parse(readFileSync(join(dir, 'mutation.json'), 'utf8'));
  const mutants = report.scenarios.reduce((n, s) => n + s.total, 0);
  const per100 = (mutate.ms / mutants) * 100;
  console.log(`scenario ${SCENARIO} (x${COPIES} copies): ${mutants} mutants`);
  console.log(`baseline  one live run of the scenario             ${(live.ms / 1000).toFixed(2)} s`);
  console.log(`candidate judging all ${mutants} mutants by replay      ${(mutate.ms / 1000).toFixed(2)} s (whole CLI process)`);
  console.log(`          per 100 mutated expectations                ${(per100 / 1000).toFixed(2)} s (goal < 5 s; CLI start-up included)`);
  console.log(`ratio     ${mutants} mutants by replay / 1 live run          ${(mutate.ms / live.ms).toFixed(3)}x`);
  console.log(`ratio     1 mutant by replay / 1 live run               ${(mutate.ms / mutants / live.ms).toFixed(4)}x (live mutants would cost ${mutants}x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await priv.stop();
  await stack.stop();
}
