#!/usr/bin/env node
// Benchmark: the timeline's indexed queries against the baseline a reader would otherwise write (filtering every
// observation), both measured in this run on the same data. Prints ratios, not absolute claims.
// Run: npm run build (core) && node bench/timeline.bench.mjs
import { performance } from 'node:perf_hooks';
import { createTimeline } from '../packages/core/dist/runner.js';

const N = Number(process.env.BENCH_OBSERVATIONS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 2_000);
const systems = Array.from({ length: 20 }, (_, i) => `mysql-${i}`);
const kinds = ['system.state', 'event', 'metric.sample', 'policy.execution'];

const timeline = createTimeline({ cap: N });
const all = [];
for (let i = 0; i < N; i++) {
  const kind = kinds[i % kinds.length];
  const subject = systems[i % systems.length];
  all.push(timeline.append({ source: 'bench', kind, subject, receivedAt: i, data: { i }, ref: { type: 'runtime', detail: 'bench' } }));
}

function time(label, fn) {
  fn(); // warm-up
  const start = performance.now();
  let sink = 0;
  for (let q = 0; q < QUERIES; q++) sink += fn(q);
  const ms = performance.now() - start;
  return { label, ms, sink };
}

const pick = (q) => ({ kind: kinds[q % kinds.length], subject: systems[(q * 7) % systems.length] });
const rows = [
  [
    time('query(kind, subject): indexed', (q) => timeline.query(pick(q)).length),
    time('query(kind, subject): filter baseline', (q) => {
      const { kind, subject } = pick(q);
      return all.filter((o) => o.kind === kind && o.subject === subject).length;
    }),
  ],
  [
    time('latest(kind, subject): indexed', (q) => timeline.latest(pick(q))?.seq ?? 0),
    time('latest(kind, subject): reverse-scan baseline', (q) => {
      const { kind, subject } = pick(q);
      return all.findLast((o) => o.kind === kind && o.subject === subject)?.seq ?? 0;
    }),
  ],
];

console.log(`timeline benchmark: ${N} observations, ${QUERIES} queries each`);
for (const [candidate, baseline] of rows) {
  if (candidate.sink !== baseline.sink) throw new Error(`${candidate.label} and ${baseline.label} disagree`);
  console.log(`${candidate.label.padEnd(44)} ${candidate.ms.toFixed(1).padStart(9)} ms`);
  console.log(`${baseline.label.padEnd(44)} ${baseline.ms.toFixed(1).padStart(9)} ms`);
  console.log(`  ratio baseline/indexed: ${(baseline.ms / candidate.ms).toFixed(1)}x`);
}
