#!/usr/bin/env node
// `npm run soak:signals [-- --runs N --seed S]`: SIGINT/SIGTERM at random moments of real runs (start-up, injection,
// evaluation), many times over. It runs packages/cli/test/signals.e2e.test.ts (the suite CI runs a sample of) with
// TESTER_SIGNAL_RUNS=N (default 50; plus 2 runs with a second SIGINT) and prints a summary of what every run did:
// exit codes, time from the signal to the exit, reports written, faults left. Exits 1 when any run broke a rule
// (exit within 2 s with 130/143, a JSON report, no fault left). Needs the local stack (`npm run stack:up`; Vitest's
// global setup starts what is missing) and builds what is stale, as the e2e tests do.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('runs', process.env.TESTER_SIGNAL_RUNS ?? 50));
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`soak-signals: --runs must be a whole number of at least 1, got ${arg('runs')}`);
  process.exit(2);
}
const seed = arg('seed', process.env.TESTER_SIGNAL_SEED);
const dir = mkdtempSync(join(tmpdir(), 'tester-soak-'));
const results = join(dir, 'results.json');

console.log(`soak:signals: ${runs} runs${seed ? ` (seed ${seed})` : ''} + 2 with a second SIGINT; this takes about ${Math.ceil((runs * 4 + 60) / 60)} min`);
const started = Date.now();
const vitest = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', join(root, 'packages', 'cli'), 'test/signals.e2e.test.ts'],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TESTER_SIGNAL_RUNS: String(runs), TESTER_SIGNAL_RESULTS: results, ...(seed ? { TESTER_SIGNAL_SEED: seed } : {}) },
  },
);
const wallS = ((Date.now() - started) / 1000).toFixed(0);

if (!existsSync(results)) {
  console.error(`soak:signals: the suite wrote no results (vitest exit ${vitest.status}); see its output above`);
  process.exit(1);
}
const { seed: used, records } = JSON.parse(readFileSync(results, 'utf8'));
rmSync(dir, { recursive: true, force: true });

const pct = (xs, p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);
const exits = records.map((r) => r.exitMs).filter((ms) => ms >= 0).sort((a, b) => a - b);
const count = (f) => records.filter(f).length;
const by = (key) => Object.entries(records.reduce((m, r) => ((m[r[key]] = (m[r[key]] ?? 0) + 1), m), {})).map(([k, n]) => `${k} ${n}`).join(', ');
const broken = records.filter((r) => r.problems.length);

console.log(`
soak:signals summary (seed ${used}, ${records.length} runs, ${wallS}s)
  stages         ${by('stage')}
  signals        ${by('signal')}; forced (second SIGINT) ${count((r) => r.force)}
  exit codes     ${by('code')}
  signal -> exit p50 ${pct(exits, 50)} ms, p95 ${pct(exits, 95)} ms, max ${exits.at(-1)} ms (rule: within 2000 ms)
  JSON reports   ${count((r) => r.report)}/${records.length} written
  evidence kept  ${count((r) => r.evidence > 0)} runs cited observed evidence
  faults left    ledger ${count((r) => r.ledger > 0 && !r.force)} runs (forced runs whose ledger listed a fault for cleanup: ${count((r) => r.force && r.ledger > 0)}), chaos still active ${count((r) => r.activeChaos > 0)}
  broken runs    ${broken.length}${broken.map((r) => `\n    run ${r.i} (${r.stage}, ${r.signal}${r.force ? '×2' : ''} +${r.afterMs}ms): ${r.problems.join('; ')}`).join('')}`);
process.exit(broken.length || vitest.status !== 0 ? 1 : 0);
