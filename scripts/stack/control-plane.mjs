// The reference control plane (examples/control-plane): built with tsup when its dist is missing or older than
// its sources, then run with node. It writes a ready file (with its real port) once it serves requests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './config.mjs';
import { StackError, acquireLock, pidAlive, readJson, startProcess, tail, waitFor } from './proc.mjs';

export const controlPlaneDir = join(repoRoot, 'examples', 'control-plane');
const mainJs = join(controlPlaneDir, 'dist', 'main.js');

/** @param {string} dir @returns {number} newest mtime below dir */
function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

/** When dist/main.js was last built (epoch ms; 0 when missing). */
export function controlPlaneBuiltAt() {
  return existsSync(mainJs) ? statSync(mainJs).mtimeMs : 0;
}

/** Builds the control plane when dist/main.js is missing or older than src/. @param {string} stateDir */
export async function buildControlPlane(stateDir) {
  const stale = () => !existsSync(mainJs) || statSync(mainJs).mtimeMs < newest(join(controlPlaneDir, 'src'));
  if (!stale()) return;
  const release = await acquireLock(join(stateDir, 'control-plane-build.lock'), { timeoutMs: 120_000 });
  try {
    if (!stale()) return;
    const tsup = join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js');
    const res = spawnSync(process.execPath, [tsup], { cwd: controlPlaneDir, encoding: 'utf8' });
    if (res.status !== 0) {
      throw new StackError('control-plane', `building ${controlPlaneDir} with tsup failed (exit ${res.status}); run \`npx tsup\` there to see why:\n${(res.stdout + res.stderr).slice(-2000)}`);
    }
  } finally {
    release();
  }
}

/**
 * @typedef {object} ControlPlaneSpec
 * @property {string} dir run directory (ready file and log)
 * @property {number} port 0 for a free one
 * @property {string} topic
 * @property {string} database
 * @property {number} [systems]
 * @property {string[]} [misbehave]
 * @property {string} kafkaBootstrap
 * @property {{ host: string, port: number, user: string, password: string }} mariadb
 * @property {boolean} [detached]
 * @property {Record<string, string>} [env] extra environment (e.g. CP_* tuning)
 */

/** Starts a control plane process. @param {ControlPlaneSpec} spec */
export function launchControlPlane(spec) {
  mkdirSync(spec.dir, { recursive: true });
  const readyFile = join(spec.dir, 'ready.json');
  rmSync(readyFile, { force: true });
  const args = [
    mainJs,
    '--host', '127.0.0.1',
    '--port', String(spec.port),
    '--topic', spec.topic,
    '--database', spec.database,
    '--systems', String(spec.systems ?? 6),
    '--kafka-bootstrap', spec.kafkaBootstrap,
    '--mariadb-host', spec.mariadb.host,
    '--mariadb-port', String(spec.mariadb.port),
    '--mariadb-user', spec.mariadb.user,
    '--ready-file', readyFile,
  ];
  if (spec.misbehave?.length) args.push('--misbehave', spec.misbehave.join(','));
  // The password goes through the environment so that it never shows in `ps`.
  const env = { ...process.env, CP_MARIADB_PASSWORD: spec.mariadb.password, ...spec.env };
  return startProcess(process.execPath, args, { logFile: join(spec.dir, 'control-plane.log'), detached: spec.detached ?? true, env });
}

/**
 * Waits for the ready file and a healthy /health; returns the real port.
 * @param {{ dir: string, pid: number, timeoutMs?: number }} opts @returns {Promise<number>}
 */
export async function waitControlPlaneReady({ dir, pid, timeoutMs = 60_000 }) {
  const log = join(dir, 'control-plane.log');
  const ready = await waitFor(() => readJson(join(dir, 'ready.json')), {
    timeoutMs,
    what: 'the control plane reporting ready',
    where: 'control-plane',
    failIf: () => (!pidAlive(pid) ? `the control plane exited during start.\n${tail(log)}` : undefined),
    onTimeout: () => tail(log),
  });
  const port = Number(ready.port);
  await waitFor(() => controlPlaneHealthy(`http://127.0.0.1:${port}`), { timeoutMs: 10_000, what: `GET /health on port ${port}`, where: 'control-plane' });
  return port;
}

/** @param {string} url */
export async function controlPlaneHealthy(url) {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}
