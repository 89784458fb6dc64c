// Process plumbing for the local stack: background processes with pid files and logs (never systemd),
// liveness that survives pid reuse, deadlines instead of sleeps, free ports, and a cross-process lock.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Errors of the stack scripts: `where` names the part, the message says problem and fix. */
export class StackError extends Error {
  /** @param {string} where @param {string} message @param {{ cause?: unknown }} [opts] */
  constructor(where, message, opts = {}) {
    super(`stack ${where}: ${message}`, opts);
    this.name = 'StackError';
    this.where = where;
  }
}

/**
 * Polls `check` until it returns a truthy value or `timeoutMs` passes. The poll interval only paces the
 * checks; the outcome is decided by the condition or the deadline, never by a fixed pause.
 * @template T
 * @param {() => Promise<T> | T} check
 * `failIf` is checked first on each round: a string it returns (say, "the process exited") ends the wait at once.
 * @param {{ timeoutMs: number, intervalMs?: number, what: string, where: string, onTimeout?: () => string, failIf?: () => string | undefined }} opts
 * @returns {Promise<NonNullable<T>>}
 */
export async function waitFor(check, { timeoutMs, intervalMs = 150, what, where, onTimeout, failIf }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    const failure = failIf?.();
    if (failure) throw new StackError(where, `${what} failed: ${failure}`);
    try {
      const value = await check();
      if (value) return /** @type {NonNullable<T>} */ (value);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const hint = onTimeout ? `\n${onTimeout()}` : '';
      throw new StackError(where, `${what} did not happen within ${Math.round(timeoutMs / 1000)} s${detail}${hint}`);
    }
    await delay(intervalMs);
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. @param {number} port */
export function portAnswers(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** A port the kernel says is free right now on loopback (there is a small window before the user binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Who listens on a port, as `pid N (command)`, when `ss` can tell; otherwise an empty string. @param {number} port */
export function whoListens(port) {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(out.stdout ?? '');
  return match ? `pid ${match[2]} (${match[1]})` : '';
}

/**
 * Throws a clear error when a port we are about to bind is already taken by a process that is not ours.
 * @param {number} port @param {string} part @param {string} knob the env var / flag that moves it
 */
export async function assertPortFree(port, part, knob) {
  if (!(await portAnswers(port))) return;
  const who = whoListens(port);
  throw new StackError(
    part,
    `port ${port} is already taken by another process${who ? ` (${who})` : ''} that this stack did not start. ` +
      `Stop that process, or choose another port with ${knob}.`,
  );
}

/** @param {number} pid */
export function pidAlive(pid) {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is not alive for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/**
 * True when pid is alive and its command line mentions `marker` (a path only our process has), so a pid
 * file that outlived its process is never mistaken for the process that now reuses the pid.
 * @param {number} pid @param {string} marker
 */
export function pidIsOurs(pid, marker) {
  if (!pidAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Starts a command as a background process in its own process group, stdout and stderr appended to `logFile`.
 * @param {string} cmd @param {string[]} args
 * @param {{ logFile: string, cwd?: string, env?: NodeJS.ProcessEnv, detached?: boolean }} opts
 */
export function startProcess(cmd, args, { logFile, cwd, env, detached = true }) {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', fd, fd], detached });
    if (detached) child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops a process (and its group when it leads one): SIGTERM, then SIGKILL if it is still there at the deadline.
 * @param {number} pid @param {{ timeoutMs?: number }} [opts]
 */
export async function stopPid(pid, { timeoutMs = 20_000 } = {}) {
  if (!pidAlive(pid)) return;
  const signal = (/** @type {NodeJS.Signals} */ sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await delay(100);
  if (pidAlive(pid)) {
    signal('SIGKILL');
    const killDeadline = Date.now() + 5_000;
    while (pidAlive(pid) && Date.now() < killDeadline) await delay(50);
  }
}

/** Last lines of a log file, for error messages. @param {string} file */
export function tail(file, lines = 15) {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `last lines of ${file}:\n${text}`;
}

/** @param {string} file */
export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** @param {string} file @param {unknown} value */
export function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A lock shared by every process that starts or stops the shared stack (several Vitest runs may start at
 * once). A directory is created atomically; a lock whose owner died is taken over.
 * @param {string} dir @param {{ timeoutMs?: number }} [opts] @returns {Promise<() => void>} release
 */
export async function acquireLock(dir, { timeoutMs = 600_000 } = {}) {
  mkdirSync(dirname(dir), { recursive: true });
  const owner = join(dir, 'owner');
  await waitFor(
    () => {
      try {
        mkdirSync(dir);
        writeFileSync(owner, String(process.pid));
        return true;
      } catch {
        const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : 0);
        if (pid && !pidAlive(pid)) rmSync(dir, { recursive: true, force: true });
        return false;
      }
    },
    { timeoutMs, intervalMs: 200, what: `taking the lock ${dir}`, where: 'lock', onTimeout: () => `remove ${dir} if no stack command is running` },
  );
  return () => rmSync(dir, { recursive: true, force: true });
}
