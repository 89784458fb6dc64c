#!/usr/bin/env node
// `npm run demo:connect`: tester on a real third-party system. Installs what is missing (Debian's PostgreSQL 15,
// Kafka Connect 4.3.1, the Debezium PostgreSQL connector and the JMX exporter, from Maven Central), builds the
// packages, starts the stack with its Kafka Connect parts, sets up the connectors (examples/kafka-connect/setup.mjs),
// runs the example's scenarios through the CLI (`tester ci` in examples/kafka-connect) with console, JUnit, HTML and
// JSON reports, stops what it started, and exits with tester's own exit code (0 all passed, 1 a scenario failed or
// errored, 2 the tester could not start).
//
// `node scripts/demo-connect.mjs examples/kafka-connect/twins` runs another folder (the failing twins: exit 1).
// Like `npm run demo`, it holds the stack through a lease (ensureKafkaConnect), never `stack.mjs up`/`down`, and
// reads metrics from a Prometheus of its own, with an empty database, scraping the Connect worker every second.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { demoSteps, node, root, secs } from './demo-steps.mjs';

const example = join(root, 'examples', 'kafka-connect');
const scenariosDir = resolve(process.argv[2] ?? join(example, 'scenarios'));
const outDir = join(root, 'reports', 'demo-connect');
const began = Date.now();

const { must, installDependencies, build, runScenarios, finish } = demoSteps('demo:connect');

if (!existsSync(scenariosDir)) {
  console.error(`demo:connect: no scenarios folder ${scenariosDir}`);
  process.exit(2);
}

// 1. Node dependencies: a fresh clone has none.
installDependencies();

// 2. The stack's software, the Kafka Connect parts included; silent when all is there.
must('install the stack and the Kafka Connect parts where missing', node, [join(root, 'scripts', 'stack.mjs'), 'install']);

// 3. Build, in dependency order, each package whose dist is missing or older than its src.
build(['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'fault-toxiproxy', 'fault-process', 'cli']);

// 4. The stack with PostgreSQL and the Connect worker, the connectors, and a Prometheus of the demo's own.
console.log('\n== start the stack with PostgreSQL 15 and Kafka Connect, and set up the connectors');
const { ensureKafkaConnect, startPrometheus } = await import('./stack/index.mjs');
const { prepareConnectExample } = await import('../examples/kafka-connect/setup.mjs');
const upFrom = Date.now();
/** @type {Awaited<ReturnType<typeof ensureKafkaConnect>>} */
let stack;
try {
  stack = await ensureKafkaConnect({ log: (line) => console.log(`  ${line}`) });
} catch (error) {
  console.error(`demo:connect: the stack did not come up: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
console.log(`  up in ${secs(upFrom)} (${stack.started.length ? `started ${stack.started.join(', ')}` : 'all already running'})`);
/** @type {{ url: string, stop: () => Promise<void> } | undefined} */
let prometheus;
try {
  const setupFrom = Date.now();
  await prepareConnectExample(stack, { log: (line) => console.log(`  ${line}`) });
  console.log(`  connectors ready in ${secs(setupFrom)}`);
  prometheus = await startPrometheus({ targets: [stack.connect.metricsTarget], scrapeInterval: '1s' });
} catch (error) {
  await prometheus?.stop();
  await stack.stop();
  console.error(`demo:connect: setting up the example failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
console.log(`  Kafka Connect ${stack.connect.url} (worker pid file ${stack.connect.pidFile}), kafka ${stack.kafka.bootstrap},`);
console.log(`  toxiproxy ${stack.toxiproxy.url}, prometheus ${prometheus.url} (fresh, scraping ${stack.connect.metricsTarget} every second)`);

// 5. The scenarios, with every reporter, from the example's folder (its tester.config.yaml loads the fault plugins).
let code = 2;
try {
  code = runScenarios(`run the scenarios: tester ci --scenarios-dir ${relative(example, scenariosDir) || '.'} (in examples/kafka-connect)`, {
    scenariosDir,
    controlPlaneUrl: stack.connect.url,
    kafkaBootstrap: stack.kafka.bootstrap,
    prometheusUrl: prometheus.url,
    outDir,
    cwd: example,
    env: { ...process.env, TESTER_CONNECT_PID_FILE: stack.connect.pidFile, TESTER_TOXIPROXY_URL: stack.toxiproxy.url },
  });
} finally {
  console.log('\n== stop what this demo started');
  await prometheus.stop();
  await stack.stop();
}
finish(code, began);
