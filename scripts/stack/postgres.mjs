// PostgreSQL 15 from Debian's postgresql-15, initialised in a data directory the stack owns and run as a plain
// process on loopback, with `wal_level=logical` so that Debezium's pgoutput can stream its changes.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StackError, pidAlive, tail, waitFor } from './proc.mjs';

/** Debian's PostgreSQL major version and where its server binaries are (they are not on PATH). */
export const POSTGRES_MAJOR = 15;
export const postgresBin = (/** @type {string} */ name) => `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin/${name}`;

/** The OS account the server runs as when we are root: postgres refuses to run as root. */
function serverAccount() {
  if (process.getuid?.() !== 0) return undefined;
  const id = (/** @type {string} */ flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new StackError('postgres', 'running as root, and there is no `postgres` account to run the server as (postgres refuses root): reinstall postgresql-15, which creates it.');
  }
  return { uid, gid };
}

/** @param {string} dir @param {{ uid: number, gid: number }} account */
function reachableBy(dir, account) {
  return spawnSync('test', ['-x', dir], { uid: account.uid, gid: account.gid }).status === 0;
}

/**
 * Where the cluster lives: `<run dir>/pg` when the server's account can reach it. As root with a state dir under
 * /root (mode 700) the `postgres` account cannot, so the cluster goes to `/var/tmp/tester-stack-<hash of run dir>`
 * (one per run dir, kept across reboots like the state dir) and the run dir keeps the state file and the log.
 * @param {string} dir the part's run dir
 */
export function postgresHome(dir) {
  const account = serverAccount();
  mkdirSync(dir, { recursive: true });
  if (!account || reachableBy(dir, account)) return join(dir, 'pg');
  return join('/var/tmp', `tester-stack-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`, 'pg');
}

/** The cluster's directories, owned by the server's account. @param {string} home @param {{ uid: number, gid: number } | undefined} account */
function makeOwned(home, account) {
  mkdirSync(join(home, 'sock'), { recursive: true, mode: 0o700 });
  if (!account) return;
  const dirs = [home, join(home, 'sock')];
  if (home.startsWith('/var/tmp/')) dirs.unshift(dirname(home));
  for (const d of dirs) chownSync(d, account.uid, account.gid);
}

/** A run as the server's account (initdb refuses root too). @param {string} cmd @param {string[]} args */
function runAsServer(cmd, args) {
  const account = serverAccount();
  return spawnSync(cmd, args, { encoding: 'utf8', ...(account ?? {}), cwd: '/' });
}

/**
 * Initialises the cluster on first start (superuser `postgres`, trusted on the Unix socket only; passwords over
 * TCP) and starts the server in the background on 127.0.0.1:port.
 * @param {{ dir: string, port: number, detached?: boolean }} spec
 * @returns {import('node:child_process').ChildProcess}
 */
export function launchPostgres({ dir, port, detached = true }) {
  const account = serverAccount();
  const home = postgresHome(dir);
  const data = join(home, 'data');
  makeOwned(home, account);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    const res = runAsServer(postgresBin('initdb'), [
      '-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions',
    ]);
    if (res.status !== 0) throw new StackError('postgres', `initdb into ${data} failed (exit ${res.status}):\n${`${res.stdout}${res.stderr}`.slice(-2000)}`);
  }
  return startServer(
    postgresBin('postgres'),
    [
      '-D', data,
      '-c', `port=${port}`,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${join(home, 'sock')}`,
      // Debezium's pgoutput plugin reads the logical decoding stream through a replication slot.
      '-c', 'wal_level=logical',
      '-c', 'max_wal_senders=10',
      '-c', 'max_replication_slots=10',
      // A disposable test database on a small machine: durability is not the point, start-up and commits are.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'shared_buffers=32MB',
      // Marks the command line so our liveness check recognises this process (see proc.pidIsOurs): the data may
      // live outside the run dir (see postgresHome). A custom (dotted) setting is accepted and otherwise unused.
      '-c', `tester.stack_dir=${dir}`,
    ],
    { logFile: join(dir, 'postgres.log'), detached, account },
  );
}

/**
 * proc.startProcess, as another account: its own process group, stdout and stderr appended to `logFile` (opened
 * here, so the account needs no access to the run dir).
 * @param {string} cmd @param {string[]} args
 * @param {{ logFile: string, detached: boolean, account?: { uid: number, gid: number } }} opts
 */
function startServer(cmd, args, { logFile, detached, account }) {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { cwd: '/', env: { ...process.env, LC_ALL: 'C.UTF-8' }, stdio: ['ignore', fd, fd], detached, ...(account ?? {}) });
    if (detached) child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/**
 * psql as the superuser over the Unix socket (trusted there), one command; throws with psql's own message.
 * @param {{ dir: string, port: number, database?: string }} where @param {string} sql
 */
export function psqlSuper({ dir, port, database = 'postgres' }, sql) {
  const res = spawnSync(postgresBin('psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', join(postgresHome(dir), 'sock'), '-p', String(port), '-U', 'postgres', '-d', database, '-c', sql], {
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new StackError('postgres', `psql as postgres on ${database} failed (exit ${res.status}): ${`${res.stderr}`.trim().slice(-1000)}`);
  return res.stdout;
}

/** SQL string literal. @param {string} value */
export const sqlLiteral = (value) => `'${value.replaceAll("'", "''")}'`;
/** SQL identifier. @param {string} value */
export const sqlIdent = (value) => `"${value.replaceAll('"', '""')}"`;

/**
 * Waits for the server, then makes sure the stack's account exists: a login with REPLICATION (Debezium streams
 * through a replication connection) that owns `database`, password over TCP from 127.0.0.1 only.
 * @param {{ dir: string, port: number, user: string, password: string, database: string, pid?: number, timeoutMs?: number }} spec
 */
export async function preparePostgres({ dir, port, user, password, database, pid, timeoutMs = 60_000 }) {
  const log = join(dir, 'postgres.log');
  await waitFor(
    () => spawnSync(postgresBin('pg_isready'), ['-q', '-h', join(postgresHome(dir), 'sock'), '-p', String(port), '-U', 'postgres', '-t', '1']).status === 0,
    {
      timeoutMs,
      what: `PostgreSQL accepting connections on port ${port}`,
      where: 'postgres',
      failIf: () => (pid && !pidAlive(pid) ? `postgres exited during start.\n${tail(log)}` : undefined),
      onTimeout: () => tail(log),
    },
  );
  const role = sqlIdent(user);
  psqlSuper(
    { dir, port },
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${sqlLiteral(user)}) THEN CREATE ROLE ${role} LOGIN REPLICATION; END IF;
     END $$; ALTER ROLE ${role} LOGIN REPLICATION PASSWORD ${sqlLiteral(password)};`,
  );
  const exists = psqlSuper({ dir, port }, `SELECT 1 FROM pg_database WHERE datname = ${sqlLiteral(database)}`).trim();
  if (!exists) psqlSuper({ dir, port }, `CREATE DATABASE ${sqlIdent(database)} OWNER ${role}`);
  await waitFor(() => postgresHealthy({ port, user, password, database }), {
    timeoutMs: 10_000,
    what: `PostgreSQL login as ${user} on 127.0.0.1:${port}`,
    where: 'postgres',
  });
}

/**
 * psql as `user` over TCP on loopback, with the password in the child's environment only (never on its command line).
 * @param {{ port: number, user: string, password: string, database: string }} conn @param {string} sql
 * @returns {{ ok: boolean, out: string, err: string }}
 */
export function psql({ port, user, password, database }, sql, { timeoutMs = 5000 } = {}) {
  const res = spawnSync(postgresBin('psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-c', sql], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '2' },
  });
  return { ok: res.status === 0, out: res.stdout ?? '', err: (res.stderr ?? '').trim() };
}

/** One health check: log in over TCP and run a query. @param {{ port: number, user: string, password: string, database: string }} conn */
export async function postgresHealthy(conn) {
  return psql(conn, 'SELECT 1', { timeoutMs: 3000 }).out.trim() === '1';
}
