// The shared stack: one MariaDB, Kafka, Prometheus, Toxiproxy and control plane on the usual ports, with state files under
// `<stateDir>/run/<part>/state.json` ({ pid, startedBy, ... }) so that `down` stops exactly what we started.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaLibs, portKnobs, runDir, toxiproxyBin } from './config.mjs';
import { buildControlPlane, controlPlaneBuiltAt, controlPlaneHealthy, launchControlPlane, waitControlPlaneReady } from './control-plane.mjs';
import { kafkaHealthy, launchKafka, waitKafkaReady } from './kafka.mjs';
import { launchMariadb, mariadbHealthy, prepareMariadb } from './mariadb.mjs';
import { assertPortFree, pidAlive, pidIsOurs, readJson, stopPid, waitFor, writeJson } from './proc.mjs';
import { launchPrometheus, prometheusHealthy, waitPrometheusReady } from './prometheus.mjs';
import { launchToxiproxy, toxiproxyHealthy, waitToxiproxyReady } from './toxiproxy.mjs';

/** Start order; stop runs in reverse. */
export const PARTS = ['mariadb', 'kafka', 'prometheus', 'toxiproxy', 'control-plane'];

/** @typedef {import('./config.mjs').StackConfig} StackConfig */
/** @typedef {'up' | 'ensure'} StartedBy */

/** @param {StackConfig} config @param {string} part */
export function readState(config, part) {
  const dir = runDir(config, part);
  const state = readJson(join(dir, 'state.json'));
  return state && pidIsOurs(state.pid, dir) ? state : undefined;
}

/** Addresses of a part, from its state (a running part keeps the ports it was started with). @param {StackConfig} config */
export function addresses(config) {
  const s = Object.fromEntries(PARTS.map((p) => [p, readState(config, p)]));
  const kafkaPort = s.kafka?.port ?? config.kafkaPort;
  const mariadbPort = s.mariadb?.port ?? config.mariadbPort;
  const promPort = s.prometheus?.port ?? config.prometheusPort;
  const cpPort = s['control-plane']?.port ?? config.controlPlanePort;
  const toxiPort = s.toxiproxy?.port ?? config.toxiproxyPort;
  return {
    kafka: { bootstrap: `127.0.0.1:${kafkaPort}` },
    prometheus: { url: `http://127.0.0.1:${promPort}` },
    toxiproxy: { url: `http://127.0.0.1:${toxiPort}` },
    mariadb: { host: '127.0.0.1', port: mariadbPort, user: config.mariadbUser, password: config.mariadbPassword },
    controlPlane: { url: `http://127.0.0.1:${cpPort}`, topic: s['control-plane']?.topic ?? config.controlPlaneTopic, database: config.controlPlaneDatabase },
  };
}

/** Health of each part, as the status command prints it. @param {StackConfig} config */
export async function health(config) {
  const a = addresses(config);
  const checks = {
    mariadb: () => mariadbHealthy({ port: a.mariadb.port, user: a.mariadb.user, password: a.mariadb.password }),
    kafka: () => kafkaHealthy(a.kafka.bootstrap),
    prometheus: () => prometheusHealthy(a.prometheus.url),
    toxiproxy: () => toxiproxyHealthy(a.toxiproxy.url),
    'control-plane': () => controlPlaneHealthy(a.controlPlane.url),
  };
  const address = { mariadb: `127.0.0.1:${a.mariadb.port}`, kafka: a.kafka.bootstrap, prometheus: a.prometheus.url, toxiproxy: a.toxiproxy.url, 'control-plane': a.controlPlane.url };
  return Promise.all(
    PARTS.map(async (part) => {
      const state = readState(config, part);
      const healthy = await checks[part]();
      return { part, address: address[part], running: Boolean(state), pid: state?.pid, startedBy: state?.startedBy, healthy };
    }),
  );
}

/**
 * Makes one part run and be healthy: reuses ours when it answers, otherwise starts it (after checking that its
 * port is not taken by a stranger). Returns whether this call started it.
 * @param {StackConfig} config @param {string} part @param {StartedBy} startedBy
 * @param {{ port: number, knob: string, launch: (dir: string) => import('node:child_process').ChildProcess,
 *   ready: (dir: string, pid: number) => Promise<Record<string, unknown> | void>, healthy: () => Promise<boolean>, extra?: Record<string, unknown>,
 *   stale?: (state: Record<string, any>) => boolean }} how
 */
async function ensurePart(config, part, startedBy, how) {
  const dir = runDir(config, part);
  const stateFile = join(dir, 'state.json');
  let running = readState(config, part);
  if (running && how.stale?.(running)) {
    // Its code changed since it started (a rebuild): replace it rather than keep serving old behaviour.
    await stopPid(running.pid);
    rmSync(stateFile, { force: true });
    running = undefined;
  }
  if (running) {
    const ok = await waitFor(how.healthy, { timeoutMs: 15_000, what: `${part} (pid ${running.pid}) answering`, where: part }).catch(() => false);
    if (ok) {
      // `up` claims what an ensureStack() started, so that only `down` stops it from now on.
      if (startedBy === 'up' && running.startedBy !== 'up') writeJson(stateFile, { ...running, startedBy: 'up' });
      return false;
    }
    await stopPid(running.pid);
  }
  await assertPortFree(how.port, part, how.knob);
  const child = how.launch(dir);
  const state = { pid: child.pid, port: how.port, startedBy, startedAt: new Date().toISOString(), ...how.extra };
  writeJson(stateFile, state);
  try {
    const more = await how.ready(dir, /** @type {number} */ (child.pid));
    if (more) writeJson(stateFile, { ...state, ...more });
  } catch (error) {
    await stopPid(/** @type {number} */ (child.pid));
    rmSync(stateFile, { force: true });
    throw error;
  }
  return true;
}

/**
 * Brings every part up (idempotent). Call under the stack lock.
 * @param {StackConfig} config @param {StartedBy} startedBy @returns {Promise<string[]>} the parts this call started
 */
export async function upShared(config, startedBy) {
  const started = [];
  const mark = (/** @type {string} */ part) => (/** @type {boolean} */ did) => did && started.push(part);
  const { mariadbPort, kafkaPort, kafkaControllerPort, prometheusPort, toxiproxyPort, controlPlanePort } = config;
  const db = { port: mariadbPort, user: config.mariadbUser, password: config.mariadbPassword };
  // Fail fast, before starting anything, when a port a stopped part needs is taken by a stranger.
  const needs = [
    ['mariadb', mariadbPort, portKnobs.mariadbPort],
    ['kafka', kafkaPort, portKnobs.kafkaPort],
    ['kafka', kafkaControllerPort, portKnobs.kafkaControllerPort],
    ['prometheus', prometheusPort, portKnobs.prometheusPort],
    ['toxiproxy', toxiproxyPort, portKnobs.toxiproxyPort],
    ['control-plane', controlPlanePort, portKnobs.controlPlanePort],
  ];
  for (const [part, port, knob] of needs) if (!readState(config, String(part))) await assertPortFree(Number(port), String(part), String(knob));
  const infra = await Promise.allSettled([
    ensurePart(config, 'mariadb', startedBy, {
      port: mariadbPort,
      knob: portKnobs.mariadbPort,
      launch: (dir) => launchMariadb({ dir, port: mariadbPort }),
      ready: (dir, pid) => prepareMariadb({ dir, pid, ...db, database: config.controlPlaneDatabase }),
      healthy: () => mariadbHealthy(db),
    }).then(mark('mariadb')),
    (async () => {
      if (!readState(config, 'kafka')) await assertPortFree(kafkaControllerPort, 'kafka', portKnobs.kafkaControllerPort);
      return ensurePart(config, 'kafka', startedBy, {
        port: kafkaPort,
        knob: portKnobs.kafkaPort,
        launch: (dir) => launchKafka({ dir, libs: kafkaLibs(config), port: kafkaPort, controllerPort: kafkaControllerPort }),
        ready: (dir, pid) => waitKafkaReady(`127.0.0.1:${kafkaPort}`, { logFile: join(dir, 'kafka.log'), alive: () => pidAlive(pid) }),
        healthy: () => kafkaHealthy(`127.0.0.1:${kafkaPort}`),
        extra: { controllerPort: kafkaControllerPort, version: config.kafkaVersion },
      });
    })().then(mark('kafka')),
    ensurePart(config, 'prometheus', startedBy, {
      port: prometheusPort,
      knob: portKnobs.prometheusPort,
      launch: (dir) => launchPrometheus({ dir, port: prometheusPort, targets: [`127.0.0.1:${controlPlanePort}`] }),
      ready: (dir, pid) => waitPrometheusReady(`http://127.0.0.1:${prometheusPort}`, { dir, pid }),
      healthy: () => prometheusHealthy(`http://127.0.0.1:${prometheusPort}`),
    }).then(mark('prometheus')),
    ensurePart(config, 'toxiproxy', startedBy, {
      port: toxiproxyPort,
      knob: portKnobs.toxiproxyPort,
      launch: (dir) => launchToxiproxy({ dir, bin: toxiproxyBin(config), port: toxiproxyPort }),
      ready: (dir, pid) => waitToxiproxyReady(`http://127.0.0.1:${toxiproxyPort}`, { dir, pid }),
      healthy: () => toxiproxyHealthy(`http://127.0.0.1:${toxiproxyPort}`),
      extra: { version: config.toxiproxyVersion },
    }).then(mark('toxiproxy')),
  ]);
  const failed = infra.find((r) => r.status === 'rejected');
  // All of them are settled, so nothing is still starting: undo what this call started, then report.
  if (failed) {
    await downShared(config, { parts: started });
    throw failed.reason;
  }
  await buildControlPlane(config.stateDir).catch(async (error) => {
    await downShared(config, { parts: started });
    throw error;
  });
  const a = addresses(config);
  const did = await ensurePart(config, 'control-plane', startedBy, {
    port: controlPlanePort,
    knob: portKnobs.controlPlanePort,
    launch: (dir) =>
      launchControlPlane({
        dir,
        port: controlPlanePort,
        topic: config.controlPlaneTopic,
        database: config.controlPlaneDatabase,
        kafkaBootstrap: a.kafka.bootstrap,
        mariadb: a.mariadb,
      }),
    ready: async (dir, pid) => ({ port: await waitControlPlaneReady({ dir, pid }) }),
    healthy: () => controlPlaneHealthy(`http://127.0.0.1:${controlPlanePort}`),
    // Only `up` replaces an outdated control plane: a test's ensureStack must not restart it under another run.
    stale: (state) => startedBy === 'up' && controlPlaneBuiltAt() > Date.parse(state.startedAt),
    extra: { topic: config.controlPlaneTopic, database: config.controlPlaneDatabase },
  }).catch(async (error) => {
    await downShared(config, { parts: started });
    throw error;
  });
  mark('control-plane')(did);
  return started;
}

/**
 * Stops parts of the shared stack (reverse order). `only` limits it to parts whose `startedBy` matches,
 * `parts` to the named parts.
 * @param {StackConfig} config @param {{ only?: StartedBy, parts?: string[] }} [opts] @returns {Promise<string[]>} stopped parts
 */
export function downShared(config, { only, parts = PARTS } = {}) {
  return stopParts(config, PARTS, (part) => readState(config, part), { only, parts });
}

/**
 * Stops the `parts` of `order` that run, last first, each through the state file `read` finds (its pid), and
 * removes the state files; `only` keeps the parts whose `startedBy` differs running. Any group of parts (the
 * shared stack, the optional Kafka Connect parts) stops this way.
 * @param {StackConfig} config @param {readonly string[]} order @param {(part: string) => { pid: number, startedBy?: string } | undefined} read
 * @param {{ only?: string, parts?: readonly string[] }} opts @returns {Promise<string[]>} stopped parts
 */
export async function stopParts(config, order, read, { only, parts = order }) {
  const stopped = [];
  for (const part of [...order].reverse().filter((p) => parts.includes(p))) {
    const dir = runDir(config, part);
    const state = read(part);
    if (!state) {
      rmSync(join(dir, 'state.json'), { force: true });
      continue;
    }
    if (only && state.startedBy !== only) continue;
    await stopPid(state.pid);
    rmSync(join(dir, 'state.json'), { force: true });
    stopped.push(part);
  }
  return stopped;
}

/**
 * Leases: one file per live holder (an ensureStack() caller), so a stop() never pulls the stack from under another
 * run. `name` is the lease folder (`leases` for the shared stack; a group of optional parts has its own).
 * @param {StackConfig} config @param {string} [name] @returns {string} the lease file
 */
export function takeLease(config, name = 'leases') {
  const dir = join(config.stateDir, 'run', name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  writeFileSync(file, String(process.pid));
  return file;
}

/** True when another live process holds a lease in `name`. @param {StackConfig} config @param {string} own @param {string} [name] */
export function othersHoldLeases(config, own, name = 'leases') {
  const dir = join(config.stateDir, 'run', name);
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((entry) => {
    const file = join(dir, entry);
    if (file === own) return false;
    if (pidAlive(Number(entry.split('-')[0]))) return true;
    rmSync(file, { force: true }); // its holder died without releasing it
    return false;
  });
}
