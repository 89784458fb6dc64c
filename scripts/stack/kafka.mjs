// Apache Kafka in KRaft mode, one node that is both broker and controller, run from the jars `install` resolved.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './config.mjs';
import { StackError, startProcess, tail, waitFor } from './proc.mjs';

const require = createRequire(join(repoRoot, 'package.json'));

/** A Kafka cluster id: 16 random bytes, base64url without padding; never starting with '-' (it would read as a flag). */
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** @param {{ dir: string, port: number, controllerPort: number }} spec */
function writeConfig({ dir, port, controllerPort }) {
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // One node: no reason to wait for other members before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=24',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'server.properties'), props);
  // WARN keeps the log small; the "started" line is kept so a reader can see when the broker was up.
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
      'logger.started.name = kafka.server.KafkaRaftServer',
      'logger.started.level = INFO',
      '',
    ].join('\n'),
  );
}

/** @param {string} dir @param {string} libs */
function javaArgs(dir, libs) {
  return [
    '-Xms128m',
    '-Xmx768m',
    // A test broker on a small machine: start time matters more than peak throughput. C1-only JIT and the
    // serial collector cut start-up CPU (several brokers may start at once on two cores).
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xshare:auto',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
    // Marks the command line so our liveness check recognises this process (see proc.pidIsOurs).
    `-Dtester.stack.dir=${dir}`,
    '-cp',
    `${libs}/*`,
  ];
}

/**
 * Formats storage on first start (a fresh cluster id), then starts the broker in the background.
 * @param {{ dir: string, libs: string, port: number, controllerPort: number, detached?: boolean }} spec
 */
export function launchKafka(spec) {
  const { dir, libs } = spec;
  mkdirSync(dir, { recursive: true });
  writeConfig(spec);
  if (!existsSync(join(dir, 'data', 'meta.properties'))) {
    const res = spawnSync('java', [...javaArgs(dir, libs), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', join(dir, 'server.properties')], {
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new StackError('kafka', `formatting storage in ${dir}/data failed (exit ${res.status}):\n${(res.stdout + res.stderr).slice(-2000)}`);
  }
  return startProcess('java', [...javaArgs(dir, libs), 'kafka.Kafka', join(dir, 'server.properties')], {
    logFile: join(dir, 'kafka.log'),
    detached: spec.detached ?? true,
  });
}

/**
 * Waits until the broker answers the Kafka protocol: an admin client connects and describes the cluster.
 * @param {string} bootstrap @param {{ timeoutMs?: number, logFile?: string, alive?: () => boolean }} [opts]
 */
export async function waitKafkaReady(bootstrap, { timeoutMs = 90_000, logFile, alive } = {}) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: 'tester-stack', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 });
  await waitFor(() => kafkaHealthy(bootstrap, kafka), {
    timeoutMs,
    intervalMs: 250,
    what: `Kafka answering on ${bootstrap}`,
    where: 'kafka',
    failIf: () => (alive && !alive() ? `the broker process exited during start.\n${logFile ? tail(logFile) : ''}` : undefined),
    onTimeout: () => (logFile ? tail(logFile) : ''),
  });
}

/**
 * One protocol-level health check: metadata with a broker and an elected controller.
 * @param {string} bootstrap @param {any} [kafka]
 */
export async function kafkaHealthy(bootstrap, kafka) {
  if (!kafka) {
    const { Kafka, logLevel } = require('kafkajs');
    kafka = new Kafka({ clientId: 'tester-stack', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 });
  }
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== -1;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
