#!/usr/bin/env node
// Benchmark: how long the Prometheus observer's barrier(T) takes after T (issue "Speed and scale", fast close).
// Candidate: the fast barrier (readTargets: true, reads the loopback target's /metrics after T). Baseline: waiting
// for Prometheus's next scrape after T (readTargets: false). Both sessions observe the same real Prometheus and
// control plane and are asked for the same T at the same moment, at a random phase of the scrape interval, so they
// meet the same scrapes. Every value recorded for T is checked against the page read just before T (exactness).
// Prints the median of N per scrape interval and the ratio baseline / candidate.
// Run: npm run build (or nx run-many -t build) && node bench/close.bench.mjs (starts the shared stack if it is not
// up; a private control plane and a private Prometheus per interval). BENCH_N (default 15), BENCH_SCRAPE (default
// "1s,5s": the stack's interval, and a longer one as users have).
import { performance } from 'node:perf_hooks';
import { ObservationKinds } from '../packages/core/dist/index.js';
import { createPluginHarness } from '../packages/core/dist/testing.js';
import { prometheusPlugin } from '../packages/observer-prometheus/dist/index.js';
import { ensureStack, startControlPlane, startPrometheus } from '../scripts/stack/index.mjs';

const N = Number(process.env.BENCH_N ?? 15);
const INTERVALS = (process.env.BENCH_SCRAPE ?? '1s,5s').split(',').map((s) => s.trim());
// A counter the control plane moves every 250 ms (its health queries), so the page is ahead of Prometheus at T,
// and a gauge that does not move: both paths of the proof (page values, and "unchanged since the scrape").
const MOVING = 'cp_db_query_duration_seconds_count{system="mysql"}';
const STILL = 'cp_system_state{system="mysql"}';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(0).padStart(5)} ms`;

async function pageValue(url) {
  const line = (await (await fetch(url)).text()).split('\n').find((l) => l.startsWith(`${MOVING} `));
  return Number(line.split(' ').at(-1));
}

async function measure(interval, cp) {
  const prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: interval });
  const h = createPluginHarness();
  const sessions = [];
  try {
    const start = async (readTargets) => {
      const plugin = prometheusPlugin({ url: prom.url, queries: [MOVING, STILL], readTargets, poll: { fastInterval: '250ms', slowInterval: '5s', readyTimeout: '30s' } });
      const session = await plugin.observers.prometheus.start(h.observerContext(plugin.options, readTargets ? 'fast' : 'wait'));
      sessions.push(session);
      await session.ready();
      return session;
    };
    const [fast, wait] = [await start(true), await start(false)];
    // A fresh Prometheus scrapes only after its discovery: wait for the first sample of the moving counter.
    for (let i = 0; i < 240 && !h.timeline.query({ kind: ObservationKinds.metricSample, subject: MOVING }).length; i++) await sleep(250);
    const intervalMs = Number.parseFloat(interval) * (interval.endsWith('ms') ? 1 : 1000);
    const latencies = { fast: [], wait: [] };
    let inexact = 0;
    for (let i = 0; i < N; i++) {
      await sleep(Math.random() * intervalMs); // T at a random phase of the scrape interval
      const before = await pageValue(cp.metricsUrl);
      const t = h.clock.now();
      const timed = async (name, session) => {
        await session.barrier(t, h.controller.signal);
        latencies[name].push(h.clock.now() - t);
        const recorded = h.timeline.query({ kind: ObservationKinds.metricSample, subject: MOVING, since: t }).filter((o) => o.source === name).at(-1);
        if (!recorded || recorded.data.value < before) inexact++;
      };
      await Promise.all([timed('fast', fast), timed('wait', wait)]);
    }
    return { interval, fast: median(latencies.fast), wait: median(latencies.wait), fastMax: Math.max(...latencies.fast), waitMax: Math.max(...latencies.wait), inexact };
  } finally {
    await Promise.allSettled(sessions.map((s) => s.stop()));
    h.controller.abort();
    await prom.stop();
  }
}

const stack = await ensureStack({ startedBy: 'ensure' });
const cp = await startControlPlane({ systems: 1 });
try {
  const started = performance.now();
  const rows = [];
  for (const interval of INTERVALS) rows.push(await measure(interval, cp));
  console.log(`barrier(T) latency after T, median of ${N} (private Prometheus scraping a private control plane; queries ${MOVING}, ${STILL})`);
  for (const r of rows) {
    console.log(`scrape every ${r.interval.padEnd(5)} candidate  fast barrier (reads /metrics)   ${ms(r.fast)} (max ${ms(r.fastMax).trim()})`);
    console.log(`                   baseline   wait for the next scrape       ${ms(r.wait)} (max ${ms(r.waitMax).trim()})`);
    console.log(`                   ratio      baseline / candidate           ${(r.wait / Math.max(r.fast, 0.001)).toFixed(1)}x${r.inexact ? `   ${r.inexact} INEXACT` : '   every value exact'}`);
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (rows.some((r) => r.inexact)) process.exitCode = 1;
} finally {
  await cp.stop();
  await stack.stop();
}
