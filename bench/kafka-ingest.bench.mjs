#!/usr/bin/env node
// Benchmark: Kafka ingest (issue #11 point 4). The Kafka observer recording into a run's timeline, against a raw
// kafkajs consumer, both measured in this run on the shared stack's broker, each in a process of its own with a
// producer in the same process (as the issue measured): throughput (events/s from the first send to the last event
// consumed) and peak RSS. The raw consumer does what any consumer must: it parses each value as JSON and counts it.
// The observer records every event into a timeline with the runtime's default cap (100,000 observations), and pins
// one observation in 10,000 as evidence, which the cap must never evict. Peak RSS is the ingest's: read when the last
// event is in, before the check that reads the whole timeline back (which rebuilds every packed observation; its peak
// is printed apart).
//
// Goals: observer throughput >= 0.9x the raw consumer's at BENCH_KAFKA_EVENTS (200,000), observer peak RSS <= 200 MB
// at BENCH_KAFKA_EVENTS_BIG (1,000,000) with the cap holding and the evidence kept.
// Run: npx nx run-many -t build -p @tester/core @tester/observer-kafka && node bench/kafka-ingest.bench.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const N = Number(process.env.BENCH_KAFKA_EVENTS ?? 200_000);
const N_BIG = Number(process.env.BENCH_KAFKA_EVENTS_BIG ?? 1_000_000);
/** Alternating raw/observer pairs at N; the best of each is compared (the machine is shared and noisy). */
const REPEATS = Number(process.env.BENCH_KAFKA_REPEATS ?? 3);
const PARTITIONS = 3;
const BATCH = 1000;
const PIN_EVERY = 10_000;
const SYSTEMS = Array.from({ length: 20 }, (_, i) => `mysql-${i}`);
/**
 * V8 flags the observer's process sets on itself at start (`v8.setFlagsFromString`), as a CLI would: e.g.
 * `--heap-growing-percent=50`. Empty by default: the observer measured as a library in a process with Node's defaults.
 */
const OBSERVER_V8_FLAGS = (process.env.BENCH_KAFKA_OBSERVER_V8_FLAGS ?? '').split(/\s+/).filter(Boolean);

const here = fileURLToPath(import.meta.url);
const root = join(here, '..', '..');

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]), process.argv[5], process.argv[6], process.argv[7]);
} else {
  await main();
}

/**
 * A private copy of the built packages the children load, so that a rebuild in this shared checkout during a long run
 * cannot pull files from under them; `@tester/core` resolves to the copy, third-party packages up the tree.
 */
function snapshot() {
  const dir = join(root, 'tmp', `bench-kafka-ingest-${process.pid}`);
  for (const name of ['core', 'observer-kafka']) {
    const from = join(root, 'packages', name);
    if (!existsSync(join(from, 'dist', 'index.js'))) throw new Error(`packages/${name}/dist is not built: npx nx run @tester/observer-kafka:build`);
    const to = join(dir, 'node_modules', '@tester', name);
    mkdirSync(to, { recursive: true });
    cpSync(join(from, 'package.json'), join(to, 'package.json'));
    cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
  }
  return dir;
}

async function main() {
  const { ensureStack } = await import('../scripts/stack/index.mjs');
  const stack = await ensureStack();
  const bootstrap = stack.kafka.bootstrap;
  console.log(`kafka ingest benchmark: ${N} and ${N_BIG} small JSON events, ${PARTITIONS} partitions, broker ${bootstrap}`);
  console.log(`machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
  if (OBSERVER_V8_FLAGS.length > 0) console.log(`observer's process sets V8 flags: ${OBSERVER_V8_FLAGS.join(' ')}`);
  const runs = [];
  const packages = snapshot();
  try {
    for (let r = 0; r < REPEATS; r++) {
      for (const mode of r % 2 === 0 ? ['raw', 'observer'] : ['observer', 'raw']) runs.push(await measure(mode, N, bootstrap, packages));
    }
    runs.push(await measure('raw', N_BIG, bootstrap, packages));
    runs.push(await measure('observer', N_BIG, bootstrap, packages));
  } finally {
    rmSync(packages, { recursive: true, force: true });
    await stack.stop?.();
  }
  const best = (mode, n) => runs.filter((x) => x.mode === mode && x.n === n).sort((a, b) => b.perSecond - a.perSecond)[0];
  const [raw, obs, rawBig, obsBig] = [best('raw', N), best('observer', N), best('raw', N_BIG), best('observer', N_BIG)];
  const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);
  console.log('');
  console.log(`| figure | raw kafkajs | observer | observer / raw | goal |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  console.log(`| ${N} events: throughput (best of ${REPEATS}) | ${raw.perSecond.toFixed(0)}/s (${(raw.ms / 1000).toFixed(1)} s) | ${obs.perSecond.toFixed(0)}/s (${(obs.ms / 1000).toFixed(1)} s) | ${(obs.perSecond / raw.perSecond).toFixed(2)}x | >= 0.9x |`);
  console.log(`| ${N} events: CPU time | ${(raw.cpuMs / 1000).toFixed(1)} s | ${(obs.cpuMs / 1000).toFixed(1)} s | ${(obs.cpuMs / raw.cpuMs).toFixed(2)}x | |`);
  console.log(`| ${N} events: peak RSS | ${mb(raw.maxRss)} MB | ${mb(obs.maxRss)} MB | ${(obs.maxRss / raw.maxRss).toFixed(2)}x | |`);
  console.log(`| ${N_BIG} events: throughput | ${rawBig.perSecond.toFixed(0)}/s | ${obsBig.perSecond.toFixed(0)}/s | ${(obsBig.perSecond / rawBig.perSecond).toFixed(2)}x | |`);
  console.log(`| ${N_BIG} events: peak RSS | ${mb(rawBig.maxRss)} MB | ${mb(obsBig.maxRss)} MB | ${(obsBig.maxRss / rawBig.maxRss).toFixed(2)}x | <= 200 MB |`);
  console.log(`| ${N_BIG} events: peak RSS once the whole timeline is read back (query()) | | ${mb(obsBig.maxRssAfterQuery)} MB | | |`);
  console.log(`| ${N_BIG} events: live heap after GC | ${mb(rawBig.heapUsed)} MB | ${mb(obsBig.heapUsed)} MB | ${((obsBig.heapUsed - rawBig.heapUsed) / obsBig.retained).toFixed(0)} bytes per retained observation | |`);
  console.log(`| ${N_BIG} events: array buffers (packed observations, kafkajs) | ${mb(rawBig.arrayBuffers)} MB | ${mb(obsBig.arrayBuffers)} MB | ${((obsBig.arrayBuffers - rawBig.arrayBuffers) / obsBig.retained).toFixed(0)} bytes per retained observation | |`);
  console.log(
    `| ${N_BIG} events: timeline | | ${obsBig.retained} retained, ${obsBig.dropped} evicted, ${obsBig.pinnedKept}/${obsBig.pinned} evidence kept | | cap ${obsBig.cap} holds |`,
  );
  console.log('');
  console.log(`all runs: ${runs.map((x) => `${x.mode}@${x.n}: ${x.perSecond.toFixed(0)}/s ${mb(x.maxRss)} MB`).join('; ')}`);
  const ok =
    obs.perSecond / raw.perSecond >= 0.9 &&
    obsBig.maxRss <= 200 * 2 ** 20 &&
    obsBig.retained <= obsBig.cap + obsBig.pinned &&
    obsBig.pinnedKept === obsBig.pinned;
  console.log(ok ? 'goals met' : 'goals NOT met');
}

/** Runs one measurement in a fresh process on a fresh topic and returns what it printed. */
async function measure(mode, n, bootstrap, packages) {
  const topic = `bench-ingest-${mode}-${randomBytes(4).toString('hex')}`;
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ brokers: [bootstrap], clientId: 'bench-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    const child = spawn(process.execPath, ['--expose-gc', here, '--child', mode, String(n), topic, bootstrap, packages], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`${mode} with ${n} events exited ${code}: ${out}`);
    const result = JSON.parse(out.trim().split('\n').at(-1));
    const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);
    const { peak } = result;
    console.log(
      `  ${mode.padEnd(8)} ${String(n).padStart(8)} events: ${(result.ms / 1000).toFixed(1)} s, ${result.perSecond.toFixed(0)}/s, CPU ${(result.cpuMs / 1000).toFixed(1)} s, peak RSS ${mb(result.maxRss)} MB ` +
        `(at its highest sample: RSS ${mb(peak.rss)} MB, V8 heap ${mb(peak.heapTotal)} MB of which used ${mb(peak.heapUsed)} MB, array buffers ${mb(peak.arrayBuffers)} MB)`,
    );
    return result;
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function child(mode, n, topic, bootstrap, packages) {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers: [bootstrap], clientId: `bench-${mode}`, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let seen = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  let stop;
  let report = {};
  if (mode === 'raw') {
    const consumer = kafka.consumer({ groupId: `${topic}-raw`, maxWaitTimeInMs: 500 });
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          JSON.parse(message.value.toString('utf8'));
          seen++;
        }
        if (seen >= n) finish();
      },
    });
    await joined;
    stop = () => consumer.disconnect();
  } else {
    if (OBSERVER_V8_FLAGS.length > 0) (await import('node:v8')).setFlagsFromString(OBSERVER_V8_FLAGS.join(' '));
    const load = (path) => import(pathToFileURL(join(packages, 'node_modules', '@tester', path)).href);
    const { createPluginHarness } = await load('core/dist/testing.js');
    const { kafkaPlugin } = await load('observer-kafka/dist/index.js');
    const harness = createPluginHarness({ runId: 'bench' });
    const plugin = kafkaPlugin({ brokers: bootstrap, topics: [topic] });
    const ctx = harness.observerContext(plugin.options, 'kafka');
    const pinned = [];
    const record = ctx.record;
    ctx.record = (input) => {
      const observation = record(input);
      seen++;
      if (seen % PIN_EVERY === 1) {
        harness.timeline.pin(observation.seq);
        pinned.push(observation.seq);
      }
      if (seen >= n) finish();
      return observation;
    };
    const session = await plugin.observers.kafka.start(ctx);
    await session.ready();
    stop = () => session.stop();
    report = () => ({
      cap: 100_000,
      retained: harness.timeline.query().length,
      dropped: harness.timeline.dropped,
      pinned: pinned.length,
      pinnedKept: pinned.filter((seq) => harness.timeline.get(seq) !== undefined).length,
    });
  }
  // What the process holds when its RSS peaks: heap (V8's, with the garbage not yet collected), array buffers.
  let peak = process.memoryUsage();
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let sent = 0; sent < n; sent += BATCH) {
    const messages = [];
    for (let i = sent; i < Math.min(n, sent + BATCH); i++) {
      const system = SYSTEMS[i % SYSTEMS.length];
      messages.push({ key: system, value: JSON.stringify({ id: `e-${i}`, type: 'TICK', system, timestamp: new Date().toISOString(), correlationId: 'bench', payload: { n: i } }) });
    }
    await producer.send({ topic, acks: 1, messages });
  }
  await finished;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // The ingest's peak, before the check below reads the whole timeline back (which rebuilds every packed observation).
  const maxRss = process.resourceUsage().maxRSS * 1024;
  clearInterval(sampler);
  const extra = typeof report === 'function' ? report() : report;
  // What stays alive (the retained observations, kafkajs's buffers) apart from garbage not yet collected.
  global.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  await stop();
  await producer.disconnect();
  const maxRssAfterQuery = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ mode, n, ms, perSecond: (n / ms) * 1000, cpuMs: (cpu.user + cpu.system) / 1000, maxRss, maxRssAfterQuery, heapUsed, arrayBuffers, peak, ...extra }));
  process.exit(0);
}
