// Apache Kafka Connect (a distributed worker, jars from Maven Central) on the stack's Kafka, with the Debezium
// PostgreSQL connector on its plugin.path and the Prometheus JMX exporter as a javaagent: the third-party system
// of examples/kafka-connect. Installed with `mvn` like the broker's jars; run as a plain process like every part.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connectLibs, connectPluginPath, jmxExporterJar, repoRoot } from './config.mjs';
import { StackError, acquireLock, pidAlive, startProcess, tail, waitFor } from './proc.mjs';

const pom = join(repoRoot, 'scripts', 'stack', 'connect-pom.xml');

/** The worker's internal topics. The status topic is what the example's Kafka observer reads. */
export const CONNECT_TOPICS = Object.freeze({ configs: 'connect-configs', offsets: 'connect-offsets', status: 'connect-status' });

/** The worker's group: every worker with this id on the same Kafka is one Connect cluster. */
export const CONNECT_GROUP = 'tester-connect';

/**
 * `mvn dependency:copy-dependencies` of one profile of connect-pom.xml into `target` (a `.complete` marker makes
 * it idempotent; a half-finished download is never used).
 * @param {{ target: string, profile: string, props: Record<string, string>, what: string, exclude?: string, log: (line: string) => void }} spec
 */
async function resolveJars({ target, profile, props, what, exclude, log }) {
  if (existsSync(join(target, '.complete'))) return;
  const release = await acquireLock(`${target}.lock`);
  try {
    if (existsSync(join(target, '.complete'))) return;
    log(`install: resolving ${what} from Maven Central`);
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    const args = ['-q', '-B', '-f', pom, '-P', profile, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`];
    for (const [k, v] of Object.entries(props)) args.push(`-D${k}=${v}`);
    if (exclude) args.push(`-DexcludeGroupIds=${exclude}`);
    const res = spawnSync('mvn', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0 || !existsSync(tmp)) {
      rmSync(tmp, { recursive: true, force: true });
      throw new StackError('install', `mvn could not resolve ${what} (exit ${res.status}); check Maven Central access or the version:\n${`${res.stdout}${res.stderr}`.trim().slice(-2000)}`);
    }
    writeFileSync(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } finally {
    release();
  }
}

/**
 * The worker's jars, the Debezium plugin directory and the JMX exporter's javaagent, each once per version.
 * @param {import('./config.mjs').StackConfig} config @param {(line: string) => void} log
 */
export async function installConnect(config, log) {
  await resolveJars({
    target: connectLibs(config),
    profile: 'worker',
    props: { 'connect.version': config.connectVersion },
    what: `Apache Kafka Connect ${config.connectVersion} (org.apache.kafka:connect-runtime)`,
    log,
  });
  await resolveJars({
    // One directory per plugin under plugin.path. Kafka's and SLF4J's jars come from the worker: a plugin's own
    // copies are never loaded (Connect's plugin class loader delegates those packages to the worker's).
    target: join(connectPluginPath(config), 'debezium-connector-postgres'),
    profile: 'debezium',
    props: { 'debezium.version': config.debeziumVersion },
    what: `the Debezium PostgreSQL connector ${config.debeziumVersion} (io.debezium:debezium-connector-postgres)`,
    exclude: 'org.apache.kafka,org.slf4j',
    log,
  });
  await resolveJars({
    target: dirname(jmxExporterJar(config)),
    profile: 'agent',
    props: { 'jmx.exporter.version': config.jmxExporterVersion },
    what: `the Prometheus JMX exporter javaagent ${config.jmxExporterVersion} (io.prometheus.jmx:jmx_prometheus_javaagent)`,
    log,
  });
  if (!existsSync(jmxExporterJar(config))) {
    const found = readdirSync(dirname(jmxExporterJar(config))).join(', ');
    throw new StackError('install', `expected ${jmxExporterJar(config)} after resolving the JMX exporter, found: ${found || 'nothing'}`);
  }
}

/** True when every Connect artifact is installed (no Maven run needed). @param {import('./config.mjs').StackConfig} config */
export function connectInstalled(config) {
  return [connectLibs(config), join(connectPluginPath(config), 'debezium-connector-postgres'), dirname(jmxExporterJar(config))].every((d) => existsSync(join(d, '.complete')));
}

/**
 * The JMX exporter's rules: the Connect worker's and tasks' MBeans and Debezium's, nothing else (the Kafka clients
 * inside the worker register hundreds of MBeans). Names follow the rules most Connect and Debezium deployments use:
 * `kafka_connect_connector_task_status{connector,task,status}` (1 for the current status),
 * `kafka_connect_worker_<attribute>`, `kafka_connect_source_task_<attribute>`,
 * `debezium_metrics_<Attribute>{plugin,name,context}`.
 */
const exporterConfig = `# Written by scripts/stack/connect.mjs.
lowercaseOutputLabelNames: true
includeObjectNames:
  - "kafka.connect:*"
  - "debezium.postgres:*"
rules:
  - pattern: 'kafka.connect<type=connector-task-metrics, connector=(.+), task=(.+)><>status: ([a-z-]+)'
    name: kafka_connect_connector_task_status
    value: 1
    type: GAUGE
    labels: { connector: "$1", task: "$2", status: "$3" }
  - pattern: 'kafka.connect<type=connector-metrics, connector=(.+)><>status: ([a-z-]+)'
    name: kafka_connect_connector_status
    value: 1
    type: GAUGE
    labels: { connector: "$1", status: "$2" }
  - pattern: 'kafka.connect<type=connect-worker-metrics, connector=(.+)><>([a-z-]+)'
    name: kafka_connect_worker_connector_$2
    type: GAUGE
    labels: { connector: "$1" }
  - pattern: 'kafka.connect<type=connect-worker-metrics><>([a-z-]+)'
    name: kafka_connect_worker_$1
    type: GAUGE
  - pattern: 'kafka.connect<type=connect-worker-rebalance-metrics><>([a-z-]+)'
    name: kafka_connect_worker_rebalance_$1
    type: GAUGE
  - pattern: 'kafka.connect<type=source-task-metrics, connector=(.+), task=(.+)><>([a-z-]+)'
    name: kafka_connect_source_task_$3
    type: GAUGE
    labels: { connector: "$1", task: "$2" }
  - pattern: 'kafka.connect<type=task-error-metrics, connector=(.+), task=(.+)><>([a-z-]+)'
    name: kafka_connect_task_error_$3
    type: GAUGE
    labels: { connector: "$1", task: "$2" }
  - pattern: 'debezium.([^:]+)<type=connector-metrics, context=([^,]+), server=([^,>]+)(, [^>]*)?><>([A-Za-z]+)'
    name: debezium_metrics_$5
    type: GAUGE
    labels: { plugin: "$1", context: "$2", name: "$3" }
`;

/**
 * Writes the worker's properties, logging and exporter configs into `dir`.
 * @param {{ dir: string, port: number, metricsPort: number, bootstrap: string, pluginPath: string }} spec
 */
function writeConfig({ dir, port, bootstrap, pluginPath }) {
  mkdirSync(dir, { recursive: true });
  const props = [
    `bootstrap.servers=${bootstrap}`,
    `group.id=${CONNECT_GROUP}`,
    `config.storage.topic=${CONNECT_TOPICS.configs}`,
    `offset.storage.topic=${CONNECT_TOPICS.offsets}`,
    `status.storage.topic=${CONNECT_TOPICS.status}`,
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    // One partition each: a one-broker test cluster, and one ordered stream of status records to read.
    'offset.storage.partitions=1',
    'status.storage.partitions=1',
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable=false',
    'value.converter.schemas.enable=false',
    `listeners=http://127.0.0.1:${port}`,
    'rest.advertised.host.name=127.0.0.1',
    `rest.advertised.port=${port}`,
    `plugin.path=${pluginPath}`,
    // Debezium ships ServiceLoader manifests: no class-path scan, a faster start.
    'plugin.discovery=service_load',
    'offset.flush.interval.ms=1000',
    // A worker that comes back after it was lost gets its tasks back at once, instead of after the default 5
    // minutes of incremental cooperative rebalancing (one worker: nobody else could take them meanwhile).
    'scheduled.rebalance.max.delay.ms=0',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'worker.properties'), props);
  writeFileSync(
    join(dir, 'log4j2.properties'),
    [
      'status = warn',
      'appender.out.type = Console',
      'appender.out.name = STDOUT',
      'appender.out.layout.type = PatternLayout',
      'appender.out.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = WARN',
      'rootLogger.appenderRef.out.ref = STDOUT',
      // "Kafka Connect started", rebalances, task starts and failures, Debezium's connection errors: enough to read
      // what happened in a scenario, without the clients' INFO chatter.
      'logger.connect.name = org.apache.kafka.connect.runtime.Connect',
      'logger.connect.level = INFO',
      'logger.herder.name = org.apache.kafka.connect.runtime.distributed.DistributedHerder',
      'logger.herder.level = INFO',
      'logger.task.name = org.apache.kafka.connect.runtime.WorkerTask',
      'logger.task.level = INFO',
      'logger.debezium.name = io.debezium',
      'logger.debezium.level = WARN',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'jmx-exporter.yaml'), exporterConfig);
}

/**
 * Starts the worker in the background (`org.apache.kafka.connect.cli.ConnectDistributed`), its REST API on
 * 127.0.0.1:port and the JMX exporter on 127.0.0.1:metricsPort. Writes `<dir>/kafka-connect.pid` (the JVM's
 * pid, for @tester/fault-process's `pid_file`).
 * @param {{ dir: string, libs: string, pluginPath: string, agentJar: string, port: number, metricsPort: number, bootstrap: string, detached?: boolean }} spec
 */
export function launchConnect(spec) {
  const { dir, libs, agentJar, metricsPort } = spec;
  writeConfig(spec);
  const child = startProcess(
    'java',
    [
      '-Xms128m',
      '-Xmx512m',
      '-XX:+UseSerialGC',
      '-Xshare:auto',
      '-Djava.awt.headless=true',
      // Host given: without one the exporter listens on every interface.
      `-javaagent:${agentJar}=127.0.0.1:${metricsPort}:${join(dir, 'jmx-exporter.yaml')}`,
      `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
      // Marks the command line so our liveness check recognises this process (see proc.pidIsOurs).
      `-Dtester.stack.dir=${dir}`,
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      join(dir, 'worker.properties'),
    ],
    { logFile: join(dir, 'kafka-connect.log'), detached: spec.detached ?? true },
  );
  writeFileSync(join(dir, 'kafka-connect.pid'), `${child.pid}\n`);
  return child;
}

/** @param {string} url the REST API's base URL */
export async function connectHealthy(url) {
  try {
    // `/connectors` answers only once the worker has joined its group and read its config topic.
    const res = await fetch(`${url}/connectors`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** @param {string} url @param {{ dir: string, pid?: number, metricsPort: number, timeoutMs?: number }} opts */
export async function waitConnectReady(url, { dir, pid, metricsPort, timeoutMs = 120_000 }) {
  const log = join(dir, 'kafka-connect.log');
  const failIf = () => (pid && !pidAlive(pid) ? `the Connect worker exited during start.\n${tail(log)}` : undefined);
  await waitFor(() => connectHealthy(url), { timeoutMs, intervalMs: 250, what: `Kafka Connect's REST API answering at ${url}/connectors`, where: 'kafka-connect', failIf, onTimeout: () => tail(log) });
  await waitFor(() => metricsAnswer(metricsPort), {
    timeoutMs: 20_000,
    what: `the JMX exporter answering at http://127.0.0.1:${metricsPort}/metrics`,
    where: 'kafka-connect',
    failIf,
    onTimeout: () => tail(log),
  });
}

/** @param {number} port */
async function metricsAnswer(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    return res.ok && (await res.text()).includes('kafka_connect_worker_');
  } catch {
    return false;
  }
}
