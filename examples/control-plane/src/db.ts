import mysql, { type Pool } from 'mysql2/promise';

/** Where MariaDB is and who to log in as. */
export interface DbTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A small pool. Connections are made lazily, so creating one never blocks or fails by itself. */
export function createPool(target: DbTarget, opts: { connectTimeoutMs: number; limit?: number }): Pool {
  const pool = mysql.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: opts.limit ?? 2,
    connectTimeout: opts.connectTimeoutMs,
    waitForConnections: true,
    queueLimit: 0,
    enableKeepAlive: true,
  });
  // A connection that dies (chaos cut it) is removed from the pool; the error is what the health check sees.
  pool.on('connection', (conn) => conn.on('error', () => {}));
  return pool;
}

/** Ends a pool without waiting forever on connections a fault left hanging. */
export async function endPool(pool: Pool, timeoutMs = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pool.end().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/**
 * One real query with a deadline. Resolves with its duration in ms, or rejects with the database's error
 * (or a timeout error when the query took longer than `timeoutMs`).
 */
export async function timedQuery(pool: Pool, sql: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    // mysql2's own `timeout` covers the query; the race also covers waiting for a connection from the pool.
    await Promise.race([
      pool.query({ sql, timeout: timeoutMs }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`query timed out after ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return performance.now() - started;
  } finally {
    clearTimeout(timer);
  }
}

/** Creates the database when missing, retrying until MariaDB answers or the deadline passes. */
export async function ensureDatabase(target: DbTarget, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const conn = await mysql.createConnection({ host: target.host, port: target.port, user: target.user, password: target.password, connectTimeout: 2000 });
      try {
        await conn.query(`CREATE DATABASE IF NOT EXISTS \`${target.database}\``);
        return;
      } finally {
        await conn.end().catch(() => {});
      }
    } catch (error) {
      if (Date.now() > until) {
        throw new Error(
          `MariaDB at ${target.host}:${target.port} (user ${target.user}) is not reachable: ${(error as Error).message}. ` +
            'Start it (node scripts/stack.mjs up) or point --mariadb-host/--mariadb-port at it.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
