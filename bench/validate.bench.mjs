#!/usr/bin/env node
// Benchmark: `tester validate` of 1,000 scenario files (issue "Speed and scale", point 1: goal under 1 s), against
// the same command on one file, measured in the same run, interleaved: the ratio is what 999 more files cost on
// top of starting the CLI, loading the config and the plugins. The files are the four shipped seed scenarios,
// comments and all, copied round-robin under distinct names. No network: validate runs nothing.
// BENCH_FILES (default 1000), BENCH_RUNS (default 5).
// Run: npm run build && node bench/validate.bench.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = new URL('..', import.meta.url).pathname;
// BENCH_BIN: another build of the bin. BENCH_BASE_BIN: a second build (a clone of an older commit, built), measured
// interleaved with the first, for an A/B on a machine whose load moves.
const BIN = process.env.BENCH_BIN ?? join(ROOT, 'packages/cli/dist/bin.cjs');
const BASE_BIN = process.env.BENCH_BASE_BIN;
const FILES = Number(process.env.BENCH_FILES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SEEDS = ['chaos_latency_injection', 'mysql_failure', 'policy_evaluation', 'reconciliation_loop'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);

const dir = mkdtempSync(join(tmpdir(), 'tester-bench-validate-'));
try {
  mkdirSync(join(dir, 'many'));
  mkdirSync(join(dir, 'one'));
  const texts = SEEDS.map((name) => readFileSync(join(ROOT, 'scenarios', `${name}.yaml`), 'utf8'));
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const text = texts[i % texts.length].replace(/^name: .*$/m, `name: generated_${i}`);
    bytes += text.length;
    writeFileSync(join(dir, 'many', `s${String(i).padStart(5, '0')}.yaml`), text);
  }
  writeFileSync(join(dir, 'one', 's.yaml'), texts[0]);
  const env = { ...process.env, TESTER_CONFIG: '' };
  const run = (args) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr.slice(0, 2000)}`);
    return performance.now() - started;
  };
  const times = { node: [], one: [], many: [], baseOne: [], baseMany: [] };
  for (let i = 0; i < RUNS; i++) {
    times.node.push(run(['-e', '0']));
    times.one.push(run([BIN, 'validate', 'one']));
    times.many.push(run([BIN, 'validate', 'many']));
    if (BASE_BIN) {
      times.baseOne.push(run([BASE_BIN, 'validate', 'one']));
      times.baseMany.push(run([BASE_BIN, 'validate', 'many']));
    }
  }
  const [node, one, many] = [median(times.node), median(times.one), median(times.many)];
  console.log(`machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; median of ${RUNS}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`files: ${FILES} copies of the 4 seed scenarios, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(`baseline  node -e 0                       ${(node / 1000).toFixed(2)} s`);
  console.log(`baseline  tester validate (1 file)        ${(one / 1000).toFixed(2)} s`);
  console.log(`candidate tester validate (${FILES} files)    ${(many / 1000).toFixed(2)} s (goal < 1 s; range ${(Math.min(...times.many) / 1000).toFixed(2)}-${(Math.max(...times.many) / 1000).toFixed(2)} s)`);
  console.log(`          per file, start-up excluded     ${((many - one) / (FILES - 1)).toFixed(2)} ms`);
  console.log(`ratio     ${FILES} files / 1 file               ${(many / one).toFixed(2)}x`);
  if (BASE_BIN) {
    const [baseOne, baseMany] = [median(times.baseOne), median(times.baseMany)];
    console.log(`base build ${BASE_BIN}, interleaved:`);
    console.log(`          tester validate (1 file)        ${(baseOne / 1000).toFixed(2)} s; this build / base ${(one / baseOne).toFixed(2)}x`);
    console.log(`          tester validate (${FILES} files)    ${(baseMany / 1000).toFixed(2)} s; this build / base ${(many / baseMany).toFixed(2)}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
