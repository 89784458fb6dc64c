#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other (each in a process of its own: they measure processes),
// not part of CI's pass/fail. A benchmark that fails is reported and the others still run; the exit code says
// whether all of them ran. BENCH_ONLY=a,b runs some (file names without .bench.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const DIR = new URL('.', import.meta.url).pathname;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => !only || only.includes(f.replace('.bench.mjs', '')))
  .sort();
const failed = [];
for (const file of files) {
  console.log(`\n=== ${file} (${new Date().toISOString()})`);
  const r = spawnSync(process.execPath, [join(DIR, file)], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${file} (exit ${r.status ?? r.signal})`);
}
console.log(`\n${files.length - failed.length} of ${files.length} benchmarks ran${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exitCode = failed.length ? 1 : 0;
