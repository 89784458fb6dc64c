import { parseArgs } from 'node:util';

/** The misbehaviour switches: each makes the control plane do exactly one wrong thing (see README.md). */
export const MISBEHAVIOURS = [
  'no-recovery',
  'duplicate-events',
  'double-policy',
  'wrong-final-state',
  'missing-events',
  'late-recovery',
  'stale-metrics',
  'ignore-chaos',
] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

/** Everything the control plane can be told; flags win over `CP_*` environment variables, which win over defaults. */
export interface ControlPlaneConfig {
  /** HTTP host. @default 127.0.0.1 */
  host: string;
  /** HTTP port; 0 picks a free one (the real port is printed and written to the ready file). @default 8080 */
  port: number;
  /** Kafka topic for events, created with 3 partitions at start. @default control-plane.events */
  topic: string;
  /** MariaDB database, created when missing. @default control_plane */
  database: string;
  /** Number of systems: `mysql`, `mysql-2` … `mysql-N`. @default 6 */
  systems: number;
  /** @default 127.0.0.1:9092 */
  kafkaBootstrap: string;
  mariadb: { host: string; port: number; user: string; password: string };
  misbehave: Set<Misbehaviour>;
  /** A file to write `{ port, url, topic, database, pid }` to once the control plane serves requests. */
  readyFile?: string;
  /** How often each system's health checker queries MariaDB. @default 250 */
  healthIntervalMs: number;
  /** A health query slower than this makes the system DEGRADED. @default 200 */
  degradedThresholdMs: number;
  /** A health query that takes longer than this fails. @default 2500 */
  queryTimeoutMs: number;
  /** `failover` fires once a system has been DISCONNECTED this long. @default 30000 */
  failoverAfterMs: number;
  /** `auto-recover` gives up (FAILED) after this many attempts. @default 120 */
  recoverMaxAttempts: number;
  /** How often the reconciliation loop compares desired and actual configuration. @default 500 */
  reconcileIntervalMs: number;
  /** How long drift stays visible before reconciliation starts, so pollers can see it. @default 1000 */
  reconcileDelayMs: number;
}

const spec = {
  host: { type: 'string', env: 'CP_HOST', def: '127.0.0.1' },
  port: { type: 'number', env: 'CP_PORT', def: 8080 },
  topic: { type: 'string', env: 'CP_TOPIC', def: 'control-plane.events' },
  database: { type: 'string', env: 'CP_DATABASE', def: 'control_plane' },
  systems: { type: 'number', env: 'CP_SYSTEMS', def: 6 },
  'kafka-bootstrap': { type: 'string', env: 'CP_KAFKA_BOOTSTRAP', def: '127.0.0.1:9092' },
  'mariadb-host': { type: 'string', env: 'CP_MARIADB_HOST', def: '127.0.0.1' },
  'mariadb-port': { type: 'number', env: 'CP_MARIADB_PORT', def: 3306 },
  'mariadb-user': { type: 'string', env: 'CP_MARIADB_USER', def: 'tester' },
  'mariadb-password': { type: 'string', env: 'CP_MARIADB_PASSWORD', def: 'tester' },
  misbehave: { type: 'string', env: 'CP_MISBEHAVE', def: '' },
  'ready-file': { type: 'string', env: 'CP_READY_FILE', def: '' },
  'health-interval-ms': { type: 'number', env: 'CP_HEALTH_INTERVAL_MS', def: 250 },
  'degraded-threshold-ms': { type: 'number', env: 'CP_DEGRADED_THRESHOLD_MS', def: 200 },
  'query-timeout-ms': { type: 'number', env: 'CP_QUERY_TIMEOUT_MS', def: 2500 },
  'failover-after-ms': { type: 'number', env: 'CP_FAILOVER_AFTER_MS', def: 30_000 },
  'recover-max-attempts': { type: 'number', env: 'CP_RECOVER_MAX_ATTEMPTS', def: 120 },
  'reconcile-interval-ms': { type: 'number', env: 'CP_RECONCILE_INTERVAL_MS', def: 500 },
  'reconcile-delay-ms': { type: 'number', env: 'CP_RECONCILE_DELAY_MS', def: 1000 },
} as const;

type Key = keyof typeof spec;

/** A configuration problem, said as flag/env, value and what is accepted. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses flags and environment into a config; throws {@link ConfigError} naming the flag and the fix. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' as const }])),
    strict: true,
  });
  const raw = (key: Key): string => {
    const flag = values[key];
    if (typeof flag === 'string') return flag;
    const fromEnv = env[spec[key].env];
    return fromEnv !== undefined && fromEnv !== '' ? fromEnv : String(spec[key].def);
  };
  const num = (key: Key, min: number, max: number): number => {
    const text = raw(key);
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`--${key} / ${spec[key].env}: expected a whole number from ${min} to ${max}, got "${text}"`);
    }
    return n;
  };
  const misbehave = new Set<Misbehaviour>();
  for (const name of raw('misbehave').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(MISBEHAVIOURS as readonly string[]).includes(name)) {
      throw new ConfigError(`--misbehave / CP_MISBEHAVE: unknown switch "${name}"; accepted: ${MISBEHAVIOURS.join(', ')}`);
    }
    misbehave.add(name as Misbehaviour);
  }
  const database = raw('database');
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) throw new ConfigError(`--database / CP_DATABASE: "${database}" must be 1-64 letters, digits or _`);
  const readyFile = raw('ready-file');
  return {
    host: raw('host'),
    port: num('port', 0, 65535),
    topic: raw('topic'),
    database,
    systems: num('systems', 1, 64),
    kafkaBootstrap: raw('kafka-bootstrap'),
    mariadb: { host: raw('mariadb-host'), port: num('mariadb-port', 1, 65535), user: raw('mariadb-user'), password: raw('mariadb-password') },
    misbehave,
    ...(readyFile ? { readyFile } : {}),
    healthIntervalMs: num('health-interval-ms', 10, 60_000),
    degradedThresholdMs: num('degraded-threshold-ms', 1, 60_000),
    queryTimeoutMs: num('query-timeout-ms', 50, 120_000),
    failoverAfterMs: num('failover-after-ms', 100, 3_600_000),
    recoverMaxAttempts: num('recover-max-attempts', 1, 10_000),
    reconcileIntervalMs: num('reconcile-interval-ms', 10, 60_000),
    reconcileDelayMs: num('reconcile-delay-ms', 0, 60_000),
  };
}

/** System ids: `mysql`, `mysql-2` … `mysql-N`. */
export function systemIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 'mysql' : `mysql-${i + 1}`));
}
