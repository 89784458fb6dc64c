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
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const example = join(root, 'examples', 'kafka-connect');
const scenariosDir = resolve(process.argv[2] ?? join(example, 'scenarios'));
const outDir = join(root, 'reports', 'demo-connect');
const node = process.execPath;
const began = Date.now();
const secs = (/** @type {number} */ from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;

/** Runs one step in the foreground, its output on ours. @returns {number} the exit code */
function step(/** @type {string} */ title, /** @type {string} */ cmd, /** @type {string[]} */ args, { cwd = root, env = process.env } = {}) {
  console.log(`\n== ${title}`);
  const result = spawnSync(cmd, args, { cwd, stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}
/** A step the demo cannot go on without: exit 2 (the tester could not start) if it fails. */
function must(/** @type {string} */ title, /** @type {string} */ cmd, /** @type {string[]} */ args) {
  const code = step(title, cmd, args);
  if (code !== 0) {
    console.error(`demo:connect: "${title}" failed (exit ${code}); nothing else was run.`);
    process.exit(2);
  }
}

/** Newest modification time under `dir` (0 when missing). @param {string} dir @returns {number} */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

if (!existsSync(scenariosDir)) {
  console.error(`demo:connect: no scenarios folder ${scenariosDir}`);
  process.exit(2);
}

// 1. Node dependencies: a fresh clone has none.
if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  must('install the Node dependencies (npm ci)', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. The stack's software, the Kafka Connect parts included; silent when all is there.
must('install the stack and the Kafka Connect parts where missing', node, [join(root, 'scripts', 'stack.mjs'), 'install']);

// 3. Build, in dependency order, each package whose dist is missing or older than its src.
console.log('\n== build the packages');
const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
for (const name of ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'fault-toxiproxy', 'fault-process', 'cli']) {
  const dir = join(root, 'packages', name);
  const built = existsSync(join(dir, 'dist', 'index.js')) ? statSync(join(dir, 'dist', 'index.js')).mtimeMs : 0;
  if (built >= newest(join(dir, 'src'))) {
    console.log(`  @tester/${name}: up to date`);
    continue;
  }
  const from = Date.now();
  const r = spawnSync(node, [tsup], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`${r.stdout}${r.stderr}\ndemo:connect: building @tester/${name} failed (exit ${r.status}); run \`npx tsup\` in packages/${name} to see why.`);
    process.exit(2);
  }
  console.log(`  @tester/${name}: built in ${secs(from)}`);
}

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
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const html = join(outDir, 'report.html');
const junit = join(outDir, 'junit.xml');
const json = join(outDir, 'report.json');
let code = 2;
try {
  code = step(
    `run the scenarios: tester ci --scenarios-dir ${relative(example, scenariosDir) || '.'} (in examples/kafka-connect)`,
    node,
    [
      join(root, 'packages', 'cli', 'dist', 'bin.cjs'),
      'ci',
      '--scenarios-dir',
      scenariosDir,
      '--control-plane-url',
      stack.connect.url,
      '--kafka-bootstrap',
      stack.kafka.bootstrap,
      '--prometheus-url',
      prometheus.url,
      '--reporter',
      'console',
      '--reporter',
      `junit=${junit}`,
      '--reporter',
      `html=${html}`,
      '--reporter',
      `json=${json}`,
    ],
    { cwd: example, env: { ...process.env, TESTER_CONNECT_PID_FILE: stack.connect.pidFile, TESTER_TOXIPROXY_URL: stack.toxiproxy.url } },
  );
  console.log('\nReports:');
  for (const [what, file] of [['HTML timeline', html], ['JUnit XML', junit], ['JSON', json]]) {
    console.log(`  ${what.padEnd(14)} ${relative(root, file)}${existsSync(file) ? '' : ' (missing!)'}`);
  }
} finally {
  console.log('\n== stop what this demo started');
  await prometheus.stop();
  await stack.stop();
}
const verdict = code === 0 ? 'all scenarios passed' : code === 1 ? 'a scenario failed or errored' : 'the tester could not start';
console.log(`\ndemo:connect: tester exited ${code} (${verdict}) after ${secs(began)}`);
process.exit(code);
