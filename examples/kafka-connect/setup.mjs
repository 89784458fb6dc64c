// Sets up the system under test of examples/kafka-connect, idempotently, on the parts the stack started
// (ensureKafkaConnect() in scripts/stack): the `orders` and `heartbeat` tables in PostgreSQL, a Toxiproxy proxy in
// front of PostgreSQL, and two Debezium PostgreSQL connectors that reach the database ONLY through that proxy:
//   orders         Debezium's defaults: on a lost database it retries forever, every 10 s, and stays RUNNING
//   orders-strict  errors.max.retries=0: on a lost database its task goes FAILED and waits for a REST restart
// Both write a heartbeat row every second through their own connection (heartbeat.action.query), so that each
// one's progress shows in its metrics and its change events without any load generator.
// Used by scripts/demo-connect.mjs and by the example's tests; `node setup.mjs` runs it on its own.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { psql } from '../../scripts/stack/postgres.mjs';
import { waitFor } from '../../scripts/stack/proc.mjs';

/** The Toxiproxy proxy the connectors use, and the port it listens on (TESTER_CONNECT_PROXY_PORT). */
export const PROXY = 'connect-postgres';
export const proxyPort = () => Number(process.env.TESTER_CONNECT_PROXY_PORT || 15432);

/** The connectors, with what differs between them. */
export const CONNECTORS = Object.freeze({
  orders: { slot: 'tester_orders', extra: {} },
  'orders-strict': { slot: 'tester_orders_strict', extra: { 'errors.max.retries': '0' } },
});

/**
 * A connector's config: Debezium's PostgreSQL connector over pgoutput, reaching the database through the proxy.
 * `databaseId` (PostgreSQL's system identifier) is kept in the config, so that setup knows when the offsets on Kafka
 * belong to an earlier database (see resetIfRecreated).
 * @param {string} name @param {{ user: string, password: string, database: string }} pg @param {string} databaseId
 */
export function connectorConfig(name, pg, databaseId) {
  const { slot, extra } = CONNECTORS[/** @type {keyof typeof CONNECTORS} */ (name)];
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'database.hostname': '127.0.0.1',
    'database.port': String(proxyPort()),
    'database.user': pg.user,
    'database.password': pg.password,
    'database.dbname': pg.database,
    'topic.prefix': name,
    'plugin.name': 'pgoutput',
    'slot.name': slot,
    'publication.name': slot,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': 'public.orders,public.heartbeat',
    // Offsets on Kafka outlive a database that was recreated (a new stack state dir): snapshot again then.
    'snapshot.mode': 'when_needed',
    // Probe the connection every second (default 10 s): a lost database is noticed within about a second.
    'status.update.interval.ms': '1000',
    'heartbeat.interval.ms': '1000',
    'heartbeat.action.query': `INSERT INTO heartbeat (id, beats, at) VALUES ('${name}', 1, now()) ON CONFLICT (id) DO UPDATE SET beats = heartbeat.beats + 1, at = now()`,
    'tester.database.id': databaseId,
    ...extra,
  };
}

/** @param {string} url @param {RequestInit & { timeoutMs?: number }} [init] */
async function http(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

const json = (/** @type {unknown} */ body) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The proxy in front of PostgreSQL, enabled and without toxics (a run killed with -9 may have left one; `tester
 * cleanup` removes those, this makes sure).
 * @param {string} toxiproxyUrl @param {number} postgresPort
 */
export async function ensureProxy(toxiproxyUrl, postgresPort) {
  const listen = `127.0.0.1:${proxyPort()}`;
  const upstream = `127.0.0.1:${postgresPort}`;
  const got = await http(`${toxiproxyUrl}/proxies/${PROXY}`);
  if (got.status === 200 && (got.body.listen !== listen || got.body.upstream !== upstream)) {
    await http(`${toxiproxyUrl}/proxies/${PROXY}`, { method: 'DELETE' });
  }
  if (got.status !== 200 || got.body.listen !== listen || got.body.upstream !== upstream) {
    const made = await http(`${toxiproxyUrl}/proxies`, { method: 'POST', ...json({ name: PROXY, listen, upstream, enabled: true }) });
    if (made.status !== 201) throw new Error(`setup: creating Toxiproxy proxy ${PROXY} (${listen} -> ${upstream}) answered ${made.status}: ${JSON.stringify(made.body)}`);
    return;
  }
  for (const toxic of got.body.toxics ?? []) await http(`${toxiproxyUrl}/proxies/${PROXY}/toxics/${toxic.name}`, { method: 'DELETE' });
  if (!got.body.enabled) await http(`${toxiproxyUrl}/proxies/${PROXY}`, { method: 'POST', ...json({ enabled: true }) });
}

/** @param {{ port: number, user: string, password: string, database: string }} pg */
export function ensureTables(pg) {
  const res = psql(
    pg,
    `CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL, qty int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
     CREATE TABLE IF NOT EXISTS heartbeat (id text PRIMARY KEY, beats bigint NOT NULL DEFAULT 0, at timestamptz NOT NULL DEFAULT now());
     INSERT INTO orders (item, qty) SELECT 'item-' || g, g FROM generate_series(1, 5) g WHERE NOT EXISTS (SELECT 1 FROM orders);`,
    { timeoutMs: 15_000 },
  );
  if (!res.ok) throw new Error(`setup: creating the tables in ${pg.database} failed: ${res.err}`);
}

/** PostgreSQL's system identifier: a new one for every `initdb`. @param {{ port: number, user: string, password: string, database: string }} pg */
function databaseIdOf(pg) {
  const res = psql(pg, 'SELECT system_identifier FROM pg_control_system()');
  if (!res.ok || !res.out.trim()) throw new Error(`setup: reading the database's system identifier failed: ${res.err}`);
  return res.out.trim();
}

/**
 * Connect keeps a connector's offsets (a WAL position) on Kafka after the connector and the database are gone. A
 * database created anew (a new stack state dir, /var/tmp cleaned) starts its WAL lower, and Debezium would skip every
 * change until the WAL passed the old position. So: a connector whose config names another database is stopped, its
 * offsets are deleted (Connect 3.6+: `DELETE /connectors/<name>/offsets` on a STOPPED connector), and it is resumed.
 * @param {string} url @param {string} name @param {string} databaseId @param {(line: string) => void} log
 */
async function resetIfRecreated(url, name, databaseId, log) {
  const { status, body } = await http(`${url}/connectors/${name}/config`);
  if (status !== 200 || body['tester.database.id'] === databaseId) return false;
  log(`connector ${name}: its offsets are from another database; stopping it and deleting them`);
  await http(`${url}/connectors/${name}/stop`, { method: 'PUT' });
  await waitFor(async () => (await http(`${url}/connectors/${name}/status`)).body?.connector?.state === 'STOPPED', {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: `connector ${name} STOPPED`,
    where: 'setup',
  });
  const reset = await http(`${url}/connectors/${name}/offsets`, { method: 'DELETE', timeoutMs: 30_000 });
  if (reset.status !== 200) throw new Error(`setup: DELETE /connectors/${name}/offsets answered ${reset.status}: ${JSON.stringify(reset.body)}`);
  return true;
}

/** Every connector and task of `names` RUNNING, per `GET /connectors?expand=status`. @param {string} url @param {string[]} names */
async function allRunning(url, names) {
  const { status, body } = await http(`${url}/connectors?expand=status`);
  if (status !== 200) return false;
  return names.every((n) => {
    const s = body[n]?.status;
    return s?.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((/** @type {{ state: string }} */ t) => t.state === 'RUNNING');
  });
}

/** Each connector's Debezium streaming metrics present and connected: its task really streams. @param {string} metricsUrl @param {string[]} names */
async function allStreaming(metricsUrl, names) {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  return names.every((n) => text.includes(`debezium_metrics_Connected{context="streaming",name="${n}",plugin="postgres"} 1.0`));
}

/**
 * The connectors' change topics exist (Kafka creates a topic at its first record): a Kafka observer started before
 * that would find nothing to read. @param {string} bootstrap @param {string[]} topics
 */
async function topicsExist(bootstrap, topics) {
  const { Kafka, logLevel } = createRequire(import.meta.url)('kafkajs');
  const admin = new Kafka({ clientId: 'kafka-connect-example-setup', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const have = new Set(await admin.listTopics());
    return topics.every((t) => have.has(t));
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Everything the scenarios start from: tables, proxy, connectors (created or updated to this config), each task
 * RUNNING and streaming. A task left FAILED by an earlier run is restarted.
 * @param {{ connect: { url: string, metricsUrl: string }, postgres: { port: number, user: string, password: string, database: string }, toxiproxy: { url: string }, kafka: { bootstrap: string } }} stack
 * @param {{ log?: (line: string) => void, timeoutMs?: number }} [opts]
 */
export async function prepareConnectExample(stack, { log = () => {}, timeoutMs = 120_000 } = {}) {
  const names = Object.keys(CONNECTORS);
  ensureTables(stack.postgres);
  const databaseId = databaseIdOf(stack.postgres);
  await ensureProxy(stack.toxiproxy.url, stack.postgres.port);
  for (const name of names) {
    const stopped = await resetIfRecreated(stack.connect.url, name, databaseId, log);
    const put = await http(`${stack.connect.url}/connectors/${name}/config`, { method: 'PUT', ...json(connectorConfig(name, stack.postgres, databaseId)) });
    if (put.status !== 200 && put.status !== 201) throw new Error(`setup: PUT /connectors/${name}/config answered ${put.status}: ${JSON.stringify(put.body)}`);
    if (stopped) await http(`${stack.connect.url}/connectors/${name}/resume`, { method: 'PUT' });
    log(`connector ${name}: ${put.status === 201 ? 'created' : 'config set'}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await allRunning(stack.connect.url, names).catch(() => false)) && (await allStreaming(stack.connect.metricsUrl, names).catch(() => false))) break;
    if (Date.now() > deadline) {
      const { body } = await http(`${stack.connect.url}/connectors?expand=status`).catch(() => ({ body: 'no answer' }));
      throw new Error(`setup: the connectors were not all RUNNING and streaming within ${timeoutMs / 1000} s: ${JSON.stringify(body).slice(0, 1500)}`);
    }
    // A task left FAILED (by a run that stopped before its restart, or a database that was away) needs one.
    for (const name of names) await http(`${stack.connect.url}/connectors/${name}/restart?includeTasks=true&onlyFailed=true`, { method: 'POST' }).catch(() => undefined);
    await waitFor(() => allRunning(stack.connect.url, names), { timeoutMs: 5000, intervalMs: 250, what: 'connectors running', where: 'setup' }).catch(() => undefined);
  }
  const topics = names.map((n) => `${n}.public.heartbeat`);
  await waitFor(() => topicsExist(stack.kafka.bootstrap, topics), { timeoutMs: 30_000, intervalMs: 500, what: `the change topics ${topics.join(', ')}`, where: 'setup' });
  log(`connectors ${names.join(', ')}: RUNNING and streaming through ${PROXY} (127.0.0.1:${proxyPort()})`);
}

// `node examples/kafka-connect/setup.mjs`: the stack's Kafka Connect parts, then this setup; leaves them running.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ensureKafkaConnect } = await import('../../scripts/stack/index.mjs');
  const stack = await ensureKafkaConnect({ startedBy: 'up', log: (line) => console.error(line) });
  await prepareConnectExample(stack, { log: (line) => console.log(line) });
  console.log(`Kafka Connect ${stack.connect.url}, metrics ${stack.connect.metricsUrl}, pid file ${stack.connect.pidFile}`);
}
