// The stack's optional parts for examples/kafka-connect: PostgreSQL 15 (`postgres`) and a Kafka Connect worker
// (`kafka-connect`) on the shared Kafka. Started by `stack.mjs up --with kafka-connect` or ensureKafkaConnect(),
// never by a plain `up` (most test runs do not need two more JVM-sized processes); stopped by `down`.
// Same rules as the shared parts (shared.mjs): state files under `<stateDir>/run/<part>/state.json`, a live pid
// file of ours is reused, readiness is checked for real, and only what we started is ever stopped.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectLibs, connectPluginPath, jmxExporterJar, portKnobs, runDir } from './config.mjs';
import { CONNECT_GROUP, CONNECT_TOPICS, connectHealthy, launchConnect, waitConnectReady } from './connect.mjs';
import { launchPostgres, postgresHealthy, preparePostgres } from './postgres.mjs';
import { assertPortFree, pidIsOurs, readJson, stopPid, waitFor, writeJson } from './proc.mjs';
import { othersHoldLeases, stopParts, takeLease } from './shared.mjs';

/** Start order; stop runs in reverse. */
export const CONNECT_PARTS = ['postgres', 'kafka-connect'];

/** @typedef {import('./config.mjs').StackConfig} StackConfig */

/** @param {StackConfig} config @param {string} part */
export function readConnectState(config, part) {
  const dir = runDir(config, part);
  const state = readJson(join(dir, 'state.json'));
  return state && pidIsOurs(state.pid, dir) ? state : undefined;
}

/**
 * Where the parts are (a running part keeps the ports it was started with).
 * @param {StackConfig} config
 */
export function connectAddresses(config) {
  const pg = readConnectState(config, 'postgres');
  const kc = readConnectState(config, 'kafka-connect');
  const connectPort = kc?.port ?? config.connectPort;
  const metricsPort = kc?.metricsPort ?? config.connectMetricsPort;
  return {
    postgres: { host: '127.0.0.1', port: pg?.port ?? config.postgresPort, user: config.postgresUser, password: config.postgresPassword, database: config.postgresDatabase },
    connect: {
      url: `http://127.0.0.1:${connectPort}`,
      metricsTarget: `127.0.0.1:${metricsPort}`,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      pidFile: join(runDir(config, 'kafka-connect'), 'kafka-connect.pid'),
      logFile: join(runDir(config, 'kafka-connect'), 'kafka-connect.log'),
      pid: kc?.pid,
      group: CONNECT_GROUP,
      topics: CONNECT_TOPICS,
      version: kc?.version ?? config.connectVersion,
    },
  };
}

/**
 * Makes one part run and be healthy (shared.mjs's ensurePart, for these parts). Returns whether it started it.
 * @param {StackConfig} config @param {string} part @param {'up' | 'ensure'} startedBy
 * @param {{ ports: Array<[number, string]>, launch: (dir: string) => import('node:child_process').ChildProcess,
 *   ready: (dir: string, pid: number) => Promise<void>, healthy: () => Promise<boolean>, extra?: Record<string, unknown> }} how
 */
async function ensurePart(config, part, startedBy, how) {
  const dir = runDir(config, part);
  const stateFile = join(dir, 'state.json');
  const running = readConnectState(config, part);
  if (running) {
    const ok = await waitFor(how.healthy, { timeoutMs: 15_000, what: `${part} (pid ${running.pid}) answering`, where: part }).catch(() => false);
    if (ok) {
      if (startedBy === 'up' && running.startedBy !== 'up') writeJson(stateFile, { ...running, startedBy: 'up' });
      return false;
    }
    await stopPid(running.pid);
  }
  for (const [port, knob] of how.ports) await assertPortFree(port, part, knob);
  const child = how.launch(dir);
  const pid = /** @type {number} */ (child.pid);
  writeJson(stateFile, { pid, port: how.ports[0][0], startedBy, startedAt: new Date().toISOString(), ...how.extra });
  try {
    await how.ready(dir, pid);
  } catch (error) {
    await stopPid(pid);
    rmSync(stateFile, { force: true });
    throw error;
  }
  return true;
}

/**
 * Starts PostgreSQL, then the Connect worker on the shared Kafka at `bootstrap` (idempotent). Call under the stack lock.
 * @param {StackConfig} config @param {'up' | 'ensure'} startedBy @param {string} bootstrap
 * @returns {Promise<string[]>} the parts this call started
 */
export async function upConnectParts(config, startedBy, bootstrap) {
  const started = [];
  const pg = { port: config.postgresPort, user: config.postgresUser, password: config.postgresPassword, database: config.postgresDatabase };
  try {
    const didPg = await ensurePart(config, 'postgres', startedBy, {
      ports: [[config.postgresPort, portKnobs.postgresPort]],
      launch: (dir) => launchPostgres({ dir, port: config.postgresPort }),
      ready: (dir, pid) => preparePostgres({ dir, pid, ...pg }),
      healthy: () => postgresHealthy(pg),
    });
    if (didPg) started.push('postgres');
    const url = `http://127.0.0.1:${config.connectPort}`;
    const didKc = await ensurePart(config, 'kafka-connect', startedBy, {
      ports: [
        [config.connectPort, portKnobs.connectPort],
        [config.connectMetricsPort, portKnobs.connectMetricsPort],
      ],
      launch: (dir) =>
        launchConnect({
          dir,
          libs: connectLibs(config),
          pluginPath: connectPluginPath(config),
          agentJar: jmxExporterJar(config),
          port: config.connectPort,
          metricsPort: config.connectMetricsPort,
          bootstrap,
        }),
      ready: (dir, pid) => waitConnectReady(url, { dir, pid, metricsPort: config.connectMetricsPort }),
      healthy: () => connectHealthy(url),
      extra: { metricsPort: config.connectMetricsPort, version: config.connectVersion, debezium: config.debeziumVersion, bootstrap },
    });
    if (didKc) started.push('kafka-connect');
  } catch (error) {
    await downConnectParts(config, { parts: started });
    throw error;
  }
  return started;
}

/**
 * Stops these parts (reverse order); `only` limits it to parts whose `startedBy` matches, `parts` to the named ones.
 * @param {StackConfig} config @param {{ only?: 'up' | 'ensure', parts?: string[] }} [opts] @returns {Promise<string[]>}
 */
export function downConnectParts(config, { only, parts = CONNECT_PARTS } = {}) {
  return stopParts(config, CONNECT_PARTS, (part) => readConnectState(config, part), { only, parts });
}

/** Health of the parts that run (a part nobody started is left out: it is optional). @param {StackConfig} config */
export async function connectHealth(config) {
  const a = connectAddresses(config);
  const rows = [];
  const pg = readConnectState(config, 'postgres');
  if (pg) rows.push({ part: 'postgres', address: `127.0.0.1:${a.postgres.port}`, running: true, pid: pg.pid, startedBy: pg.startedBy, healthy: await postgresHealthy(a.postgres) });
  const kc = readConnectState(config, 'kafka-connect');
  if (kc) rows.push({ part: 'kafka-connect', address: a.connect.url, running: true, pid: kc.pid, startedBy: kc.startedBy, healthy: await connectHealthy(a.connect.url) });
  return rows;
}

// Leases of their own: a suite that holds only the shared stack must not keep the Connect worker running.
const LEASES = 'leases-kafka-connect';

/** @param {StackConfig} config */
export const takeConnectLease = (config) => takeLease(config, LEASES);

/** True when another live process holds a lease on these parts. @param {StackConfig} config @param {string} own */
export const othersHoldConnectLeases = (config, own) => othersHoldLeases(config, own, LEASES);
