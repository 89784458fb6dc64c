#!/usr/bin/env node
// `npm run demo`: the main job on a fresh machine. Installs what is missing, builds, starts the real stack,
// runs every shipped scenario (`tester ci --scenarios-dir scenarios`) with console, JUnit, HTML and JSON
// reports, says where the reports are, stops what it started, and exits with tester's own exit code
// (0 all passed, 1 a scenario failed or errored, 2 the tester could not start).
//
// The stack is held through ensureStack() (a lease), not `stack.mjs up`/`down`: `down` would also stop a
// stack that someone else's tests are using right now, and their private instances. stop() stops only what
// this demo started, and only once nobody else holds the stack.
//
// Metrics come from a Prometheus of the demo's own, with an empty database, scraping the stack's control plane;
// startPrometheus() resolves once it has scraped it, so every scenario has samples from before its fault, and no
// series from an earlier control-plane process can make a counter's increase look like none.
import { join } from 'node:path';
import { demoSteps, node, root, secs } from './demo-steps.mjs';

const outDir = join(root, 'reports', 'demo');
const began = Date.now();

const { must, installDependencies, build, runScenarios, finish } = demoSteps('demo');

// 1. Node dependencies: a fresh clone has none (npm ci is exact and never rewrites the lockfile).
installDependencies();

// 2. The stack's own software: Debian packages (MariaDB, Prometheus, Java) and Kafka's jars; silent when all is there.
must('install the stack (MariaDB, Kafka, Prometheus) where missing', node, [join(root, 'scripts', 'stack.mjs'), 'install']);

// 3. Build, in dependency order, each package whose dist is missing or older than its src (tsup, as `npm run build`).
build(['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli']);

// 4. The stack: reuse what runs, start what does not (the control plane is built by the stack when stale).
console.log('\n== start the stack (MariaDB, Kafka, Prometheus, the reference control plane)');
const { ensureStack, startPrometheus } = await import('./stack/index.mjs');
const upFrom = Date.now();
let stack;
try {
  stack = await ensureStack({ log: (line) => console.log(`  ${line}`) });
} catch (error) {
  console.error(`demo: the stack did not come up: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
let prometheus;
try {
  prometheus = await startPrometheus({ targets: [new URL(stack.controlPlane.url).host], scrapeInterval: '1s' });
} catch (error) {
  await stack.stop();
  console.error(`demo: the demo's Prometheus did not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
console.log(`  up in ${secs(upFrom)} (${stack.started.length ? `started ${stack.started.join(', ')}` : 'all already running'})`);
console.log(`  control plane ${stack.controlPlane.url}, kafka ${stack.kafka.bootstrap}, prometheus ${prometheus.url} (fresh, scraping the control plane every second)`);

// 5. The scenarios, with every reporter. Flags beat the environment and any config file, so the demo always
//    talks to the stack it just made sure of.
let code = 2;
try {
  code = runScenarios('run the scenarios: tester ci --scenarios-dir scenarios', {
    scenariosDir: 'scenarios',
    controlPlaneUrl: stack.controlPlane.url,
    kafkaBootstrap: stack.kafka.bootstrap,
    prometheusUrl: prometheus.url,
    outDir,
  });
} finally {
  console.log('\n== stop the stack (only what this demo started)');
  await prometheus.stop();
  await stack.stop();
}
finish(code, began);
