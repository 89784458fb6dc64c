#!/usr/bin/env node
// Benchmark: observation cost against concurrency (issue "Speed and scale", point 3). The same scenario on N
// systems at --concurrency N, against one scenario alone, both in this run on one private control plane:
//   - wall time of the suite / wall time of one scenario   (goal <= 2x)
//   - requests per second the control plane served during the suite / during one scenario   (goal <= 1.5x)
// Requests are the control plane's own count (cp_http_requests_total, Prometheus's scrapes of /metrics excluded).
// Run: npm run build && node bench/suite.bench.mjs   (BENCH_SYSTEMS, default 50)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureStack } from '../scripts/stack/index.mjs';
import { privateControlPlane } from './private-stack.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'packages/cli/dist/bin.cjs');
const N = Number(process.env.BENCH_SYSTEMS ?? 50);
const systemName = (i) => (i === 1 ? 'mysql' : `mysql-${i}`);

/** A 2 s CONNECTION_LOSS on one system, read through all three observers. */
const scenario = (system) => `name: loss_${system.replace('-', '_')}
timeout: 60s
systems: [${system}]
preconditions:
  - systems["${system}"].state == "CONNECTED"
actions:
  - { type: CHAOS, system: ${system}, fault: CONNECTION_LOSS, duration: 2 }
expectations:
  states:
    - { system: ${system}, final_state: CONNECTED }
  events:
    - { type: CONNECTION_LOST, system: ${system}, count: 1 }
  metrics:
    - name: cp_policy_executions_total
      labels: { policy: auto-recover, system: ${system}, status: SUCCEEDED }
      increase: window
      value: ">= 1"
`;

/** Requests served, by resource, from the control plane's own counter (not through Prometheus: exact, now). */
async function served(cp) {
  // A fresh connection each time: a kept-alive socket may have been closed by the server during a long run.
  const text = await new Promise((resolve, reject) =>
    get(`${cp.url}/metrics`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve(body));
    }).on('error', reject),
  );
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^cp_http_requests_total\{([^}]*)\} (\S+)/.exec(line);
    if (m && !/resource="metrics"/.test(m[1])) total += Number(m[2]);
  }
  return total;
}

const stack = await ensureStack({ startedBy: 'ensure' });
const priv = await privateControlPlane(stack, { systems: N });
const { cp } = priv;
const dir = mkdtempSync(join(tmpdir(), 'tester-bench-suite-'));
try {
  writeFileSync(join(dir, 'tester.config.yaml'), priv.config);
  mkdirSync(join(dir, 'one'));
  mkdirSync(join(dir, 'all'));
  writeFileSync(join(dir, 'one', 's.yaml'), scenario(systemName(1)));
  for (let i = 1; i <= N; i++) writeFileSync(join(dir, 'all', `s${i}.yaml`), scenario(systemName(i)));
  const env = { ...process.env, TESTER_CONTROL_PLANE_URL: '', TESTER_KAFKA_BOOTSTRAP: '', TESTER_PROMETHEUS_URL: '', TESTER_CONFIG: '' };

  const run = async (folder, concurrency, report) => {
    const before = await served(cp);
    const started = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'ci', '--scenarios-dir', folder, '--concurrency', String(concurrency), '-r', `json=${report}`], { cwd: dir, env, encoding: 'utf8' });
    const ms = performance.now() - started;
    const requests = (await served(cp)) - before;
    if (!existsSync(join(dir, report))) throw new Error(`${folder}: no report (exit ${r.status}):\n${r.stdout.slice(-3000)}${r.stderr.slice(-3000)}`);
    const summary = JSON.parse(readFileSync(join(dir, report), 'utf8')).summary;
    // Not a pass/fail check, but a figure measured on failing runs means nothing: say why each did not pass.
    const reasons = new Map();
    for (const s of JSON.parse(readFileSync(join(dir, report), 'utf8')).scenarios) {
      const a = s.attempts.at(-1);
      if (a && a.status !== 'passed') {
        const why = (a.reason ?? a.expectations.find((e) => e.status !== 'passed')?.message ?? a.status).replace(/\d+(\.\d+)?/g, 'N').slice(0, 160);
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      }
    }
    return { ms, requests, rate: requests / (ms / 1000), summary, code: r.status, reasons };
  };

  const one = await run('one', 1, 'one.json');
  const all = await run('all', N, 'all.json');
  console.log(`suite: ${N} scenarios on ${N} systems at --concurrency ${N}, against one scenario alone (same control plane, same run)`);
  console.log(`baseline   one scenario        ${(one.ms / 1000).toFixed(2)} s, ${one.requests} requests (${one.rate.toFixed(1)}/s)`);
  console.log(`candidate  ${N} scenarios        ${(all.ms / 1000).toFixed(2)} s, ${all.requests} requests (${all.rate.toFixed(1)}/s), ${all.summary.passed}/${all.summary.total} passed`);
  for (const [why, n] of all.reasons) console.log(`           not passed (${n}x): ${why}`);
  console.log(`ratio      wall time           ${(all.ms / one.ms).toFixed(2)}x (goal <= 2x)`);
  console.log(`ratio      requests per second ${(all.rate / one.rate).toFixed(2)}x (goal <= 1.5x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await priv.stop();
  await stack.stop();
}
