// MariaDB from Debian's mariadb-server, initialised in a datadir the stack owns and run as a plain process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './config.mjs';
import { StackError, pidAlive, startProcess, tail, waitFor } from './proc.mjs';

const require = createRequire(join(repoRoot, 'package.json'));

/** @param {string} dir */
export const mariadbSocket = (dir) => join(dir, 'mysqld.sock');

/** @param {string} name */
function binary(name) {
  for (const candidate of [`/usr/sbin/${name}`, `/usr/bin/${name}`]) if (existsSync(candidate)) return candidate;
  return name;
}

/**
 * Initialises the datadir on first start and starts mariadbd in the background (loopback only).
 * @param {{ dir: string, port: number, detached?: boolean }} spec
 */
export function launchMariadb({ dir, port, detached = true }) {
  const data = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(data, 'mysql'))) {
    const res = spawnSync(
      binary('mariadb-install-db'),
      ['--no-defaults', '--user=root', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
      { encoding: 'utf8' },
    );
    if (res.status !== 0) throw new StackError('mariadb', `mariadb-install-db into ${data} failed (exit ${res.status}):\n${(res.stdout + res.stderr).slice(-2000)}`);
  }
  return startProcess(
    binary('mariadbd'),
    [
      '--no-defaults',
      '--user=root', // as root it refuses to start without naming the user
      `--datadir=${data}`,
      `--socket=${mariadbSocket(dir)}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--skip-log-bin',
      // Each control plane keeps a pool per system, and tests start private ones.
      '--max-connections=1000',
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
    ],
    { logFile: join(dir, 'mariadb.log'), detached },
  );
}

/**
 * Waits for the server, then makes sure the stack's account exists (root over the socket; the account is for
 * TCP from 127.0.0.1 with ALL privileges, because control planes create their own databases).
 * @param {{ dir: string, port: number, user: string, password: string, database?: string, pid?: number, timeoutMs?: number }} spec
 */
export async function prepareMariadb({ dir, port, user, password, database, pid, timeoutMs = 60_000 }) {
  const mysql = require('mysql2/promise');
  const root = await waitFor(() => mysql.createConnection({ socketPath: mariadbSocket(dir), user: 'root', connectTimeout: 1000 }), {
    timeoutMs,
    what: `MariaDB accepting connections on ${mariadbSocket(dir)}`,
    where: 'mariadb',
    failIf: () => (pid && !pidAlive(pid) ? `mariadbd exited during start.\n${tail(join(dir, 'mariadb.log'))}` : undefined),
    onTimeout: () => tail(join(dir, 'mariadb.log')),
  });
  try {
    for (const host of ['127.0.0.1', 'localhost']) {
      await root.query(`CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?`, [user, host, password]);
      await root.query(`ALTER USER ?@? IDENTIFIED BY ?`, [user, host, password]);
      await root.query(`GRANT ALL PRIVILEGES ON *.* TO ?@?`, [user, host]);
    }
    if (database) await root.query(`CREATE DATABASE IF NOT EXISTS \`${database.replaceAll('`', '')}\``);
  } finally {
    await root.end();
  }
  await waitFor(() => mariadbHealthy({ port, user, password }), { timeoutMs: 10_000, what: `MariaDB login as ${user} on 127.0.0.1:${port}`, where: 'mariadb' });
}

/** One health check: log in over TCP and run a query. @param {{ port: number, user: string, password: string }} spec */
export async function mariadbHealthy({ port, user, password }) {
  const mysql = require('mysql2/promise');
  let conn;
  try {
    conn = await mysql.createConnection({ host: '127.0.0.1', port, user, password, connectTimeout: 1000 });
    await conn.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await conn?.end().catch(() => {});
  }
}
