// The local stack's JS API, used by every package's end-to-end tests (see /tmp/team/TEAM.md and README.md here).
//   ensureStack()        the shared stack on the usual ports (idempotent)
//   startKafka()         a private broker           startPrometheus()   a private Prometheus
//   startControlPlane()  a private control plane on its own port, topic and database
//   startToxiproxy()     a private Toxiproxy server (its API on its own port)
//   ensureKafkaConnect() the shared stack plus PostgreSQL 15 and a Kafka Connect worker (examples/kafka-connect)
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { kafkaLibs, repoRoot, resolveConfig, toxiproxyBin } from './config.mjs';
import { buildControlPlane, launchControlPlane, waitControlPlaneReady } from './control-plane.mjs';
import { install } from './install.mjs';
import { launchKafka, waitKafkaReady } from './kafka.mjs';
import { acquireLock, freePort, pidAlive, pidIsOurs, readJson, stopPid, writeJson } from './proc.mjs';
import { launchPrometheus, waitPrometheusReady, waitPrometheusScraped } from './prometheus.mjs';
import { addresses, downShared, health, othersHoldLeases, takeLease, upShared } from './shared.mjs';
import { connectAddresses, connectHealth, downConnectParts, othersHoldConnectLeases, takeConnectLease, upConnectParts } from './kafka-connect-parts.mjs';
import { launchToxiproxy, waitToxiproxyReady } from './toxiproxy.mjs';

export { resolveConfig } from './config.mjs';
export { StackError } from './proc.mjs';

/**
 * @typedef {object} StackInfo
 * @property {{ bootstrap: string }} kafka
 * @property {{ url: string }} prometheus
 * @property {{ url: string }} toxiproxy
 * @property {{ host: string, port: number, user: string, password: string }} mariadb
 * @property {{ url: string, topic: string, database: string }} controlPlane
 * @property {string[]} started parts this call started
 * @property {() => Promise<void>} stop stops what ensureStack() calls started, once no other live caller uses it
 */

const lockOf = (/** @type {import('./config.mjs').StackConfig} */ config) => join(config.stateDir, 'run', '.lock');

/**
 * Installs what is missing and starts what is not running: MariaDB (3306), Kafka (9092), Prometheus (9090),
 * Toxiproxy (8474) and the reference control plane (8080). Idempotent and safe to call from several processes at once.
 * @param {Partial<import('./config.mjs').StackConfig> & { startedBy?: 'up' | 'ensure', log?: (line: string) => void }} [options]
 * @returns {Promise<StackInfo>}
 */
export async function ensureStack(options = {}) {
  const { startedBy = 'ensure', log, ...overrides } = options;
  const config = resolveConfig(overrides);
  await install(config, log ? { log } : {});
  const release = await acquireLock(lockOf(config));
  let started;
  let lease;
  try {
    started = await upShared(config, startedBy);
    if (startedBy === 'ensure') lease = takeLease(config);
  } finally {
    release();
  }
  let stopped = false;
  return {
    ...addresses(config),
    started,
    async stop() {
      if (stopped || !lease) return;
      stopped = true;
      const releaseStop = await acquireLock(lockOf(config));
      try {
        rmSync(lease, { force: true });
        if (!othersHoldLeases(config, lease)) await downShared(config, { only: 'ensure' });
      } finally {
        releaseStop();
      }
    },
  };
}

/** Stops every part of the shared stack that this tooling started (`stack down`). */
export async function stopStack(overrides = {}) {
  const config = resolveConfig(overrides);
  const release = await acquireLock(lockOf(config));
  try {
    // The Connect worker first: it is a client of the shared Kafka.
    const stopped = [...(await downConnectParts(config)), ...(await downShared(config))];
    const privateStopped = await stopLeftoverPrivates(config);
    return { stopped, privateStopped };
  } finally {
    release();
  }
}

/** Health of each part of the shared stack, then of the Kafka Connect parts that run. */
export async function stackStatus(overrides = {}) {
  const config = resolveConfig(overrides);
  return [...(await health(config)), ...(await connectHealth(config))];
}

/**
 * @typedef {object} KafkaConnectInfo
 * @property {{ host: string, port: number, user: string, password: string, database: string }} postgres
 * @property {{ url: string, metricsTarget: string, metricsUrl: string, pidFile: string, logFile: string, pid?: number,
 *   group: string, topics: { configs: string, offsets: string, status: string }, version: string }} connect
 */

/**
 * The shared stack (ensureStack) plus PostgreSQL 15 (5432, `wal_level=logical`) and a Kafka Connect worker on the
 * shared Kafka (REST 8083, JMX exporter 9404, the Debezium PostgreSQL connector on its plugin.path), installing what
 * is missing. Idempotent and safe from several processes; `stop()` stops what ensureKafkaConnect() calls started,
 * once no other live caller holds them, then releases the shared stack.
 * @param {Partial<import('./config.mjs').StackConfig> & { startedBy?: 'up' | 'ensure', log?: (line: string) => void }} [options]
 * @returns {Promise<StackInfo & KafkaConnectInfo>}
 */
export async function ensureKafkaConnect(options = {}) {
  const { startedBy = 'ensure', log, ...overrides } = options;
  const config = resolveConfig(overrides);
  await install(config, { ...(log ? { log } : {}), connect: true });
  const stack = await ensureStack(options);
  const release = await acquireLock(lockOf(config));
  let started;
  let lease;
  try {
    started = await upConnectParts(config, startedBy, stack.kafka.bootstrap);
    if (startedBy === 'ensure') lease = takeConnectLease(config);
  } catch (error) {
    release();
    await stack.stop();
    throw error;
  }
  release();
  let stopped = false;
  return {
    ...stack,
    ...connectAddresses(config),
    started: [...stack.started, ...started],
    async stop() {
      if (stopped) return;
      stopped = true;
      if (lease) {
        const releaseStop = await acquireLock(lockOf(config));
        try {
          rmSync(lease, { force: true });
          if (!othersHoldConnectLeases(config, lease)) await downConnectParts(config, { only: 'ensure' });
        } finally {
          releaseStop();
        }
      }
      await stack.stop();
    },
  };
}

// ---- private instances -------------------------------------------------------------------------------------

/** Private instances still running, killed if this process exits without stopping them. */
const live = new Set();
process.once('exit', () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** @param {import('./config.mjs').StackConfig} config @param {string} kind */
function privateDir(config, kind) {
  const dir = join(config.stateDir, 'private', `${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Private instances left by a test process that died; `stack down` ends them. @param {import('./config.mjs').StackConfig} config */
async function stopLeftoverPrivates(config) {
  const root = join(config.stateDir, 'private');
  let names = [];
  try {
    names = readdirSync(root);
  } catch {
    /* none yet */
  }
  let count = 0;
  for (const name of names) {
    const dir = join(root, name);
    const state = readJson(join(dir, 'state.json'));
    if (state && pidIsOurs(state.pid, dir)) {
      await stopPid(state.pid);
      count += 1;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return count;
}

/**
 * Records a private process (state file for `stack down`, exit hook for this process).
 * @param {string} dir @param {import('node:child_process').ChildProcess} child @param {{ removeDir?: boolean }} [opts]
 * @returns {{ pid: number, stop: () => Promise<void> }}
 */
function track(dir, child, { removeDir = false } = {}) {
  const pid = /** @type {number} */ (child.pid);
  live.add(pid);
  writeJson(join(dir, 'state.json'), { pid });
  return {
    pid,
    async stop() {
      await stopPid(pid);
      live.delete(pid);
      if (removeDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A private Kafka broker (KRaft, one node) on its own ports and storage, for tests that stop or restart a broker.
 * @param {{ port?: number, controllerPort?: number }} [options] port 0 (default) picks a free one
 * @returns {Promise<{ bootstrap: string, port: number, stop: () => Promise<void>, start: () => Promise<void>, restart: () => Promise<void> }>}
 */
export async function startKafka({ port = 0, controllerPort = 0 } = {}) {
  const config = resolveConfig();
  await install(config);
  const dir = privateDir(config, 'kafka');
  const brokerPort = port || (await freePort());
  const ctrlPort = controllerPort || (await freePort());
  const bootstrap = `127.0.0.1:${brokerPort}`;
  /** @type {{ pid: number, stop: () => Promise<void> } | undefined} */
  let current;
  const start = async () => {
    if (current && pidAlive(current.pid)) return;
    const child = launchKafka({ dir, libs: kafkaLibs(config), port: brokerPort, controllerPort: ctrlPort });
    current = track(dir, child);
    const pid = current.pid;
    await waitKafkaReady(bootstrap, { logFile: join(dir, 'kafka.log'), alive: () => pidAlive(pid) });
  };
  const stop = async () => {
    await current?.stop();
    current = undefined;
  };
  await start();
  return {
    bootstrap,
    port: brokerPort,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}

/**
 * A private Prometheus scraping `targets` (host:port of /metrics endpoints).
 * @param {{ port?: number, targets: string[], scrapeInterval?: string }} options
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startPrometheus({ port = 0, targets, scrapeInterval = '1s' }) {
  const config = resolveConfig();
  await install(config);
  const dir = privateDir(config, 'prometheus');
  const listen = port || (await freePort());
  const child = launchPrometheus({ dir, port: listen, targets, scrapeInterval, detached: true });
  const handle = track(dir, child, { removeDir: true });
  const url = `http://127.0.0.1:${listen}`;
  try {
    await waitPrometheusReady(url, { dir, pid: handle.pid });
    await waitPrometheusScraped(url, targets);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return { url, port: listen, stop: handle.stop };
}

/**
 * A private Toxiproxy server, its API on 127.0.0.1 and its own port (0 = a free one), with no proxies: a test creates
 * the proxies it needs (listening on loopback) and owns them alone.
 * @param {{ port?: number }} [options]
 * @returns {Promise<{ url: string, port: number, pid: number, stop: () => Promise<void> }>}
 */
export async function startToxiproxy({ port = 0 } = {}) {
  const config = resolveConfig();
  await install(config);
  const dir = privateDir(config, 'toxiproxy');
  const listen = port || (await freePort());
  const child = launchToxiproxy({ dir, bin: toxiproxyBin(config), port: listen });
  const handle = track(dir, child, { removeDir: true });
  const url = `http://127.0.0.1:${listen}`;
  try {
    await waitToxiproxyReady(url, { dir, pid: handle.pid });
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return { url, port: listen, pid: handle.pid, stop: handle.stop };
}

/**
 * A private control plane: its own port (0 = free), Kafka topic and database (random by default), so tests that
 * inject faults or switch on misbehaviour never disturb anyone else. Kafka and MariaDB default to the shared
 * stack's (from TESTER_* env set by the Vitest global setup, else ensureStack()).
 * @param {{ port?: number, topic?: string, database?: string, misbehave?: string[], systems?: number, kafkaBootstrap?: string,
 *   mariadb?: { host: string, port: number, user: string, password: string }, env?: Record<string, string> }} [options]
 * @returns {Promise<{ url: string, port: number, topic: string, database: string, metricsUrl: string, logFile: string, stop: () => Promise<void> }>}
 */
export async function startControlPlane(options = {}) {
  const config = resolveConfig();
  const suffix = randomBytes(4).toString('hex');
  const topic = options.topic ?? `cp-events-${suffix}`;
  const database = options.database ?? `cp_${suffix}`;
  let kafkaBootstrap = options.kafkaBootstrap ?? process.env.TESTER_KAFKA_BOOTSTRAP;
  let mariadb = options.mariadb ?? envMariadb();
  if (!kafkaBootstrap || !mariadb) {
    const shared = await ensureStack();
    kafkaBootstrap ??= shared.kafka.bootstrap;
    mariadb ??= shared.mariadb;
  }
  await buildControlPlane(config.stateDir);
  const dir = privateDir(config, 'control-plane');
  const child = launchControlPlane({ dir, port: options.port ?? 0, topic, database, systems: options.systems, misbehave: options.misbehave, kafkaBootstrap, mariadb, env: options.env });
  const handle = track(dir, child);
  let port;
  try {
    port = await waitControlPlaneReady({ dir, pid: handle.pid });
  } catch (error) {
    await handle.stop();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await handle.stop();
    // Generated names are this instance's alone: drop them so that test runs do not pile up databases and topics.
    await dropPrivateData({ kafkaBootstrap, mariadb, topic: options.topic ? undefined : topic, database: options.database ? undefined : database });
  };
  return { url, port, topic, database, metricsUrl: `${url}/metrics`, logFile: join(dir, 'control-plane.log'), stop };
}

/**
 * Best effort, bounded: a failure here only leaves a little garbage behind.
 * @param {{ kafkaBootstrap: string, mariadb: { host: string, port: number, user: string, password: string }, topic?: string, database?: string }} what
 */
async function dropPrivateData({ kafkaBootstrap, mariadb, topic, database }) {
  const require = createRequire(join(repoRoot, 'package.json'));
  const tasks = [];
  if (database) {
    tasks.push(
      (async () => {
        const conn = await require('mysql2/promise').createConnection({ ...mariadb, connectTimeout: 2000 });
        try {
          await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
        } finally {
          await conn.end();
        }
      })(),
    );
  }
  if (topic) {
    tasks.push(
      (async () => {
        const { Kafka, logLevel } = require('kafkajs');
        const admin = new Kafka({ clientId: 'tester-stack', brokers: [kafkaBootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
        await admin.connect();
        try {
          await admin.deleteTopics({ topics: [topic], timeout: 3000 });
        } finally {
          await admin.disconnect();
        }
      })(),
    );
  }
  let timer;
  await Promise.race([Promise.allSettled(tasks), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
  clearTimeout(timer);
}

function envMariadb() {
  const { TESTER_MARIADB_HOST: host, TESTER_MARIADB_PORT: port, TESTER_MARIADB_USER: user, TESTER_MARIADB_PASSWORD: password } = process.env;
  return host && port && user && password !== undefined ? { host, port: Number(port), user, password } : undefined;
}
