#!/usr/bin/env node
// Benchmark: where a verdict's time goes (issue "Speed and scale", points 1 and 2), on the real stack.
//   - healthy: the seed's mysql_failure, median of BENCH_RUNS (default 5) runs of `tester ci`. The physical limit
//     is what the system itself takes: from the fault's start to the moment the scenario's systems settled (its
//     last relevant change + window.settle). Overhead = wall time of the whole CLI process - that limit, split
//     into start (process start -> first action), close (settled -> last expectation decided: the barriers) and
//     exit (decided -> process end: rollbacks, reporters, shutdown).
//   - each misbehaviour switch, once: a failure the evidence proves must end as soon as the settled window
//     allows, not at the timeout: wall time, and settled -> decided.
// Run: npm run build && node bench/verdict.bench.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStack } from '../scripts/stack/index.mjs';
import { privateControlPlane } from './private-stack.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'packages/cli/dist/bin.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SWITCHES = (process.env.BENCH_SWITCHES ?? 'no-recovery,wrong-final-state,late-recovery,missing-events,duplicate-events,double-policy,stale-metrics,ignore-chaos').split(',').filter(Boolean);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

const stack = await ensureStack({ startedBy: 'ensure' });

async function instance(misbehave) {
  const priv = await privateControlPlane(stack, { misbehave });
  const dir = mkdtempSync(join(tmpdir(), 'tester-bench-verdict-'));
  writeFileSync(join(dir, 'tester.config.yaml'), priv.config);
  mkdirSync(join(dir, 'scenarios'));
  copyFileSync(join(ROOT, 'scenarios', 'mysql_failure.yaml'), join(dir, 'scenarios', 'mysql_failure.yaml'));
  return {
    dir,
    async stop() {
      rmSync(dir, { recursive: true, force: true });
      await priv.stop();
    },
  };
}

/** One `tester ci` run and where its time went, from the JSON report's clock times. */
function measure(dir) {
  const env = { ...process.env, TESTER_CONTROL_PLANE_URL: '', TESTER_KAFKA_BOOTSTRAP: '', TESTER_PROMETHEUS_URL: '', TESTER_CONFIG: '' };
  const spawnedAt = Date.now();
  const r = spawnSync(process.execPath, [BIN, 'ci', '-r', 'json=report.json'], { cwd: dir, env, encoding: 'utf8' });
  const wall = Date.now() - spawnedAt;
  if (!existsSync(join(dir, 'report.json'))) throw new Error(`no report (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  const a = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).scenarios[0].attempts[0];
  // Clock times are relative to the run's clock; attempt.startedAt is the wall time of its first phase.
  const toWall = (t) => Date.parse(a.startedAt) + (t - a.phases[0].startedAt);
  const faultStart = a.faults[0]?.startedAt;
  const settled = a.window.settledAt;
  const decided = Math.max(...a.expectations.map((e) => e.decidedAt ?? -Infinity));
  const firstAction = a.phases.find((p) => p.phase === 'actions')?.startedAt;
  return {
    code: r.status,
    status: a.status,
    failed: a.expectations.filter((e) => e.status !== 'passed').map((e) => e.id).join(', '),
    wall,
    limit: settled !== undefined && faultStart !== undefined ? settled - faultStart : undefined,
    start: firstAction !== undefined ? toWall(firstAction) - spawnedAt : undefined,
    close: settled !== undefined && Number.isFinite(decided) ? decided - settled : undefined,
    exit: Number.isFinite(decided) ? spawnedAt + wall - toWall(decided) : undefined,
  };
}

const healthy = await instance([]);
const runs = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const m = measure(healthy.dir);
    if (m.status !== 'passed') throw new Error(`healthy run ${i + 1} was ${m.status} (${m.failed})`);
    runs.push(m);
  }
} finally {
  await healthy.stop();
}
const med = (k) => median(runs.map((m) => m[k]));
console.log(`verdict overhead: mysql_failure on a healthy control plane, median of ${RUNS}`);
console.log(`  wall time of the CLI process                 ${s(med('wall'))}`);
console.log(`  physical limit (fault start -> settled)      ${s(med('limit'))}`);
console.log(`  overhead (wall - limit)                      ${s(med('wall') - med('limit'))}`);
console.log(`    start: process start -> first action       ${s(med('start'))} (goal <= 0.40 s)`);
console.log(`    close: settled -> verdict (barriers)       ${s(med('close'))} (goal <= 0.10 s + barriers)`);
console.log(`    exit: verdict -> process end               ${s(med('exit'))}`);
console.log(`  ratio wall / physical limit                  ${(med('wall') / med('limit')).toFixed(2)}x`);

console.log('\nfailures end when the settled window allows (each switch once; timeout 30 s):');
for (const sw of SWITCHES) {
  const inst = await instance([sw]);
  try {
    const m = measure(inst.dir);
    // The baseline is what a fixed wait costs: the scenario's timeout, which every failure took before settling.
    const vsTimeout = `${(m.wall / 30_000).toFixed(2)}x the timeout`;
    console.log(`  ${sw.padEnd(18)} ${m.status.padEnd(7)} ${m.failed.padEnd(44)} wall ${s(m.wall)} (${vsTimeout}), settled -> verdict ${m.close === undefined ? 'n/a (never settled)' : s(m.close)}`);
  } finally {
    await inst.stop();
  }
}
await stack.stop();
