#!/usr/bin/env node
// Benchmark: how fast tester starts (issue "Speed and scale", point 1), against `node -e 0` measured in the same
// run, interleaved, so that the ratios hold on a busy machine where the absolute figures do not.
//   - `tester --version` (goal: at most 1.5x `node -e 0`), and `tester --help` for reference;
//   - `tester validate` of one scenario: the CLI, the config, every plugin and one scenario loaded, no network;
//   - start to first action (goal: at most 400 ms): `tester run` of the seed's mysql_failure on the real stack
//     (a private control plane and Prometheus, as verdict.bench.mjs does), from the spawn to the first action's
//     start, split with the JSON report's clock times into the CLI (modules, config, plugins, scenario file),
//     the observers getting ready, and the preconditions.
// Medians of BENCH_RUNS (default 15) for the first three and of BENCH_LIVE_RUNS (default 5) live runs.
// Run: npm run build && node bench/start.bench.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureStack } from '../scripts/stack/index.mjs';
import { privateControlPlane } from './private-stack.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
// BENCH_BIN: another build of the bin. BENCH_BASE_BIN: a second build (a clone of an older commit, built) measured
// interleaved with the first in the live runs, for an A/B on a machine whose load moves.
const BIN = process.env.BENCH_BIN ?? join(ROOT, 'packages/cli/dist/bin.cjs');
const BASE_BIN = process.env.BENCH_BASE_BIN;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const LIVE_RUNS = Number(process.env.BENCH_LIVE_RUNS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`.padStart(8);
if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);

const dir = mkdtempSync(join(tmpdir(), 'tester-bench-start-'));
mkdirSync(join(dir, 'scenarios'));
copyFileSync(join(ROOT, 'scenarios', 'mysql_failure.yaml'), join(dir, 'scenarios', 'mysql_failure.yaml'));
// No variable of the caller's may point the CLI elsewhere.
const env = { ...process.env, TESTER_CONTROL_PLANE_URL: '', TESTER_KAFKA_BOOTSTRAP: '', TESTER_PROMETHEUS_URL: '', TESTER_CONFIG: '', NO_COLOR: '1' };
const spawn = (args) => {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return performance.now() - started;
};

console.log(`machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

// 1. The process alone, interleaved: each round runs every command once.
const commands = {
  'node -e 0': ['-e', '0'],
  'tester --version': [BIN, '--version'],
  'tester --help': [BIN, '--help'],
  'tester validate (1 file)': [BIN, 'validate', 'scenarios/mysql_failure.yaml'],
};
const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) for (const [k, args] of Object.entries(commands)) times[k].push(spawn(args));
const base = median(times['node -e 0']);
console.log(`\nprocess start to exit, median of ${RUNS}`);
for (const [k, xs] of Object.entries(times)) {
  const goal = k === 'tester --version' ? ' (goal <= 1.50x)' : '';
  console.log(`  ${k.padEnd(26)} ${ms(median(xs))}  ${(median(xs) / base).toFixed(2)}x node -e 0${goal}`);
}

// 2. Start to first action on the real stack.
const stack = await ensureStack({ startedBy: 'ensure' });
const priv = await privateControlPlane(stack);
try {
  writeFileSync(join(dir, 'tester.config.yaml'), priv.config);
  const live = [];
  const based = [];
  const baseline = [];
  for (let i = 0; i < LIVE_RUNS; i++) {
    baseline.push(spawn(['-e', '0']));
    live.push(firstAction(BIN, i));
    if (BASE_BIN) based.push(firstAction(BASE_BIN, i));
  }
  const m = (k) => median(live.map((x) => x[k]));
  const nodeBase = median(baseline);
  console.log(`\nstart to first action (tester run mysql_failure, real stack), median of ${LIVE_RUNS}`);
  console.log(`  node -e 0 (baseline)       ${ms(nodeBase)}`);
  console.log(`  spawn -> first action      ${ms(m('total'))}  ${(m('total') / nodeBase).toFixed(2)}x node -e 0 (goal <= 400 ms)`);
  console.log(`    range of ${LIVE_RUNS}                   ${ms(Math.min(...live.map((x) => x.total)))} - ${Math.max(...live.map((x) => x.total)).toFixed(0)} ms; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`    CLI: node, modules, config, plugins, scenario file   ${ms(m('cli'))}`);
  console.log(`    observers ready (all at once; the slowest counts)   ${ms(m('observers'))}`);
  for (const k of Object.keys(live[0]).filter((k) => k.startsWith('ready:'))) console.log(`      ${k.slice(6).padEnd(50)}${ms(m(k))}`);
  console.log(`    preconditions                                       ${ms(m('preconditions'))}`);
  if (BASE_BIN) {
    const b = (k) => median(based.map((x) => x[k]));
    console.log(`  the base build (${BASE_BIN}), interleaved`);
    console.log(`  spawn -> first action      ${ms(b('total'))}  this build / base: ${(m('total') / b('total')).toFixed(2)}x`);
    console.log(`    CLI ${ms(b('cli'))}, observers ready ${ms(b('observers'))}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await priv.stop();
  await stack.stop();
}

/** One live run of `bin` from the spawn to its first action, split into its parts (see the header). */
function firstAction(bin, i) {
  rmSync(join(dir, 'report.json'), { force: true });
  const spawnedAt = Date.now();
  const r = spawnSync(process.execPath, [bin, 'run', '-s', 'scenarios/mysql_failure.yaml', '-r', 'json=report.json'], { cwd: dir, env, encoding: 'utf8' });
  if (!existsSync(join(dir, 'report.json'))) throw new Error(`no report (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  const a = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).scenarios[0].attempts[0];
  if (a.status !== 'passed') throw new Error(`run ${i + 1} was ${a.status}: ${a.reason ?? ''}`);
  // Clock times are the run's monotonic clock; attempt.startedAt is the wall time of its first phase.
  const origin = a.phases[0].startedAt;
  const toWall = (t) => Date.parse(a.startedAt) + (t - origin);
  const phase = (name) => a.phases.find((p) => p.phase === name)?.startedAt;
  const first = a.actions[0]?.startedAt ?? phase('actions');
  // Each observer's readiness, from the run's start (they start at once; the slowest one is the phase's length).
  const ready = Object.fromEntries((a.observers ?? []).filter((o) => o.readyAt !== undefined).map((o) => [`ready:${o.source}`, o.readyAt - origin]));
  return {
    total: toWall(first) - spawnedAt,
    // The clock is performance.now(): milliseconds since this process started, without the spawn before it.
    inProcess: first,
    cli: toWall(origin) - spawnedAt,
    observers: phase('preconditions') - origin,
    preconditions: first - phase('preconditions'),
    ...ready,
  };
}
