/**
 * `tester-plugin-sql-observer`: an example third-party tester plugin. It depends on `@tester/core` only (plus its
 * own driver, mysql2), uses exactly the contract the built-in plugins use, and is loaded by the CLI by package name
 * from `tester.config.yaml`:
 *
 * ```yaml
 * plugins:
 *   - ["tester-plugin-sql-observer", { host: 127.0.0.1, port: 3306, user: root, queries: { tables: "select ..." } }]
 * ```
 *
 * Observer `sql` polls each named query and records a `sql.rows` observation whenever its rows change.
 * Expectation section `sql` checks a query's row count: `- { query: tables, min_rows: 1 }`.
 */
import { definePlugin, durationAtLeast, PLUGIN_API_VERSION, PollLoop, z, type Evaluator, type Observation, type ObserverContext, type ObserverSession } from '@tester/core';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';

/** Durations as in scenarios: `500ms`, `2s`, or a bare number of seconds; at least 10 ms (0 would busy-poll). */
const interval = () => durationAtLeast(10);

/** The plugin's options (its config block). */
export const sqlOptionsSchema = z.strictObject({
  /** @default "127.0.0.1" */
  host: z.string().default('127.0.0.1'),
  /** @default 3306 */
  port: z.coerce.number().int().positive().default(3306),
  /** @default "root" */
  user: z.string().default('root'),
  /** Registered as a secret: never appears in logs or reports. */
  password: z.string().optional(),
  database: z.string().optional(),
  /** Named queries the observer polls: `{ name: "select ..." }`. */
  queries: z.record(z.string().min(1), z.string().min(1)),
  poll: z
    .strictObject({
      /** Interval while an expectation waits or a barrier is pending. @default '100ms' */
      fastInterval: interval().prefault('100ms'),
      /** The longest interval when nothing changes. @default '2s' */
      slowInterval: interval().prefault('2s'),
      /** How long `ready()` waits for a first successful poll. @default '10s' */
      readyTimeout: interval().prefault('10s'),
    })
    .prefault({}),
});

export type SqlOptions = z.input<typeof sqlOptionsSchema>;
type SqlConfig = z.output<typeof sqlOptionsSchema>;

/** Data of a `sql.rows` observation. */
export interface SqlRowsData {
  query: string;
  rowCount: number;
  /** The first rows (at most 20), for evidence. */
  rows: Record<string, unknown>[];
}

const ROWS = 'sql.rows';

/**
 * The observer: core's PollLoop owns readiness (the first successful poll, bounded by `readyTimeout`), barriers
 * (a poll that started after `t` completed), blindness (a failed poll is `ctx.blind` with its reason, the next good
 * one `ctx.sighted`) and the adaptive interval. What is left here is one poll.
 */
function startObserver(config: SqlConfig, ctx: ObserverContext): ObserverSession {
  ctx.registerSecret(config.password);
  let connection: Connection | undefined;
  const last = new Map<string, string>();
  const where = `${config.host}:${config.port}`;

  const loop = new PollLoop({
    ctx,
    fastMs: config.poll.fastInterval,
    slowMs: config.poll.slowInterval,
    readyTimeoutMs: config.poll.readyTimeout,
    label: 'the sql observer',
    readyHint: `Check that MariaDB/MySQL answers at ${where} for user ${config.user}.`,
    async poll(_signal, _pollNo, barrierPending) {
      let changed = false;
      try {
        connection ??= await createConnection({ host: config.host, port: config.port, user: config.user, password: config.password, database: config.database });
        for (const [name, sql] of Object.entries(config.queries)) {
          const [rows] = await connection.query<RowDataPacket[]>(sql);
          const plain = rows.map((r) => ({ ...r }));
          const key = JSON.stringify(plain);
          // Unchanged rows are not recorded again, except after a barrier, so the barrier is followed by a record.
          if (last.get(name) === key && !barrierPending) continue;
          changed ||= last.get(name) !== key;
          last.set(name, key);
          ctx.record<SqlRowsData>({
            kind: ROWS,
            subject: name,
            data: { query: name, rowCount: plain.length, rows: plain.slice(0, 20) },
            ref: { type: 'custom', summary: `${where} ${sql}` },
          });
        }
      } catch (error) {
        // A new connection next time: the old one may be half-closed after a network fault.
        connection?.destroy();
        connection = undefined;
        throw new Error(`query failed at ${where}: ${(error as Error).message}`, { cause: error });
      }
      return { changed };
    },
  });
  return loop.session(async () => {
    await connection?.end().catch(() => undefined);
    connection = undefined;
  });
}

/** One `sql` expectation: the row count of a named query, at least / at most / exactly. */
const sqlItemSchema = z
  .strictObject({ query: z.string().min(1), min_rows: z.number().int().min(0).optional(), max_rows: z.number().int().min(0).optional(), rows: z.number().int().min(0).optional() })
  .refine((i) => i.min_rows !== undefined || i.max_rows !== undefined || i.rows !== undefined, { message: 'give min_rows, max_rows or rows' });

function createEvaluator(item: z.output<typeof sqlItemSchema>): Evaluator {
  let latest: Observation<SqlRowsData> | undefined;
  const ok = (n: number) => (item.rows === undefined || n === item.rows) && (item.min_rows === undefined || n >= item.min_rows) && (item.max_rows === undefined || n <= item.max_rows);
  const want = [item.rows !== undefined && `exactly ${item.rows}`, item.min_rows !== undefined && `at least ${item.min_rows}`, item.max_rows !== undefined && `at most ${item.max_rows}`].filter(Boolean).join(', ');
  return {
    description: `query ${item.query} returns ${want} row(s)`,
    sources: ['sql'],
    needsClosedWindow: false,
    observe(o) {
      if (o.kind === ROWS && o.subject === item.query) latest = o as Observation<SqlRowsData>;
    },
    verdict(ctx) {
      if (latest && ok(latest.data.rowCount)) {
        return { status: 'passed', message: `${item.query} returned ${latest.data.rowCount} row(s)`, evidence: [latest.seq], provisional: !ctx.window.closed };
      }
      // The last answer before the window closed decides; core turns a wait past the timeout into undecided.
      if (!ctx.window.closed) return { status: 'pending', waitingFor: `${item.query} to return ${want} row(s)` };
      return {
        status: 'failed',
        message: latest ? `${item.query} returned ${latest.data.rowCount} row(s), expected ${want}` : `${item.query} was never observed`,
        evidence: latest ? [latest.seq] : [],
        absence: !latest,
      };
    },
  };
}

/**
 * Creates the plugin. Options arrive here, once: the CLI passes the config file's block for this plugin, a
 * harness passes them directly. They are parsed here, so a bad block fails at load time with the field named.
 */
export function sqlObserverPlugin(options: SqlOptions) {
  const config = sqlOptionsSchema.parse(options);
  return definePlugin({
    name: 'tester-plugin-sql-observer',
    apiVersion: PLUGIN_API_VERSION,
    observers: { sql: { source: 'sql', start: (ctx) => startObserver(config, ctx) } },
    assertions: {
      sql: { schema: sqlItemSchema, description: "Row counts of the sql observer's named queries.", create: (item) => createEvaluator(item) },
    },
  });
}

export default sqlObserverPlugin;
