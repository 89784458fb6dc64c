// Where the stack lives and which ports it uses. Every value has an env var (and a CLI flag in stack.mjs).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (scripts/stack/ is two levels down). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The Kafka broker version the stack runs (see scripts/stack/README.md for why). */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** The Toxiproxy version built from its Go module (github.com/Shopify/toxiproxy/v2); see README.md. */
export const DEFAULT_TOXIPROXY_VERSION = 'v2.12.0';

/** Kafka Connect's version for examples/kafka-connect: Debezium 3.6.x is built against Kafka 4.3 (see README.md). */
export const DEFAULT_CONNECT_VERSION = '4.3.1';

/** The Debezium PostgreSQL connector on the Connect worker's plugin.path. */
export const DEFAULT_DEBEZIUM_VERSION = '3.6.1.Final';

/** The Prometheus JMX exporter javaagent on the Connect JVM: the newest 1.x that Maven Central serves (see README.md). */
export const DEFAULT_JMX_EXPORTER_VERSION = '1.0.1';

/**
 * @typedef {object} StackConfig
 * @property {string} stateDir  cache + run state: `$TESTER_STACK_DIR`, default `~/.cache/tester-stack`
 * @property {string} kafkaVersion `$TESTER_KAFKA_VERSION`
 * @property {number} kafkaPort `$TESTER_KAFKA_PORT` (9092)
 * @property {number} kafkaControllerPort `$TESTER_KAFKA_CONTROLLER_PORT` (9093)
 * @property {number} prometheusPort `$TESTER_PROMETHEUS_PORT` (9090)
 * @property {number} mariadbPort `$TESTER_MARIADB_PORT` (3306)
 * @property {number} controlPlanePort `$TESTER_CONTROL_PLANE_PORT` (8080)
 * @property {number} toxiproxyPort `$TESTER_TOXIPROXY_PORT` (8474): Toxiproxy's HTTP API
 * @property {string} toxiproxyVersion `$TESTER_TOXIPROXY_VERSION` (v2.12.0)
 * @property {string} mariadbUser `$TESTER_MARIADB_USER` (tester)
 * @property {string} mariadbPassword `$TESTER_MARIADB_PASSWORD` (tester; a loopback-only development account)
 * @property {string} controlPlaneTopic `$TESTER_CONTROL_PLANE_TOPIC` (control-plane.events)
 * @property {string} controlPlaneDatabase `$TESTER_CONTROL_PLANE_DATABASE` (control_plane)
 * @property {number} postgresPort `$TESTER_POSTGRES_PORT` (5432): PostgreSQL 15, for the Kafka Connect parts
 * @property {string} postgresUser `$TESTER_POSTGRES_USER` (tester; a loopback-only development account with REPLICATION)
 * @property {string} postgresPassword `$TESTER_POSTGRES_PASSWORD` (tester)
 * @property {string} postgresDatabase `$TESTER_POSTGRES_DATABASE` (inventory)
 * @property {number} connectPort `$TESTER_CONNECT_PORT` (8083): the Kafka Connect worker's REST API
 * @property {number} connectMetricsPort `$TESTER_CONNECT_METRICS_PORT` (9404): its JMX exporter's /metrics
 * @property {string} connectVersion `$TESTER_CONNECT_VERSION` (4.3.1)
 * @property {string} debeziumVersion `$TESTER_DEBEZIUM_VERSION` (3.6.1.Final)
 * @property {string} jmxExporterVersion `$TESTER_JMX_EXPORTER_VERSION` (1.0.1)
 */

/** The flag and env var that set each port, for "port taken" messages. */
export const portKnobs = {
  kafkaPort: '--kafka-port / TESTER_KAFKA_PORT',
  kafkaControllerPort: '--kafka-controller-port / TESTER_KAFKA_CONTROLLER_PORT',
  prometheusPort: '--prometheus-port / TESTER_PROMETHEUS_PORT',
  mariadbPort: '--mariadb-port / TESTER_MARIADB_PORT',
  controlPlanePort: '--control-plane-port / TESTER_CONTROL_PLANE_PORT',
  toxiproxyPort: '--toxiproxy-port / TESTER_TOXIPROXY_PORT',
  postgresPort: '--postgres-port / TESTER_POSTGRES_PORT',
  connectPort: '--connect-port / TESTER_CONNECT_PORT',
  connectMetricsPort: '--connect-metrics-port / TESTER_CONNECT_METRICS_PORT',
};

/** @param {string | undefined} value @param {number} fallback @param {string} name */
function port(value, fallback, name) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`stack config: ${name}=${value} is not a port (1-65535)`);
  return n;
}

/**
 * The stack's configuration: explicit overrides, then the environment, then defaults.
 * @param {Partial<StackConfig>} [overrides] @param {NodeJS.ProcessEnv} [env] @returns {StackConfig}
 */
export function resolveConfig(overrides = {}, env = process.env) {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return {
    stateDir: env.TESTER_STACK_DIR || join(homedir(), '.cache', 'tester-stack'),
    kafkaVersion: env.TESTER_KAFKA_VERSION || DEFAULT_KAFKA_VERSION,
    kafkaPort: port(env.TESTER_KAFKA_PORT, 9092, 'TESTER_KAFKA_PORT'),
    kafkaControllerPort: port(env.TESTER_KAFKA_CONTROLLER_PORT, 9093, 'TESTER_KAFKA_CONTROLLER_PORT'),
    prometheusPort: port(env.TESTER_PROMETHEUS_PORT, 9090, 'TESTER_PROMETHEUS_PORT'),
    mariadbPort: port(env.TESTER_MARIADB_PORT, 3306, 'TESTER_MARIADB_PORT'),
    controlPlanePort: port(env.TESTER_CONTROL_PLANE_PORT, 8080, 'TESTER_CONTROL_PLANE_PORT'),
    toxiproxyPort: port(env.TESTER_TOXIPROXY_PORT, 8474, 'TESTER_TOXIPROXY_PORT'),
    toxiproxyVersion: env.TESTER_TOXIPROXY_VERSION || DEFAULT_TOXIPROXY_VERSION,
    mariadbUser: env.TESTER_MARIADB_USER || 'tester',
    mariadbPassword: env.TESTER_MARIADB_PASSWORD || 'tester',
    controlPlaneTopic: env.TESTER_CONTROL_PLANE_TOPIC || 'control-plane.events',
    controlPlaneDatabase: env.TESTER_CONTROL_PLANE_DATABASE || 'control_plane',
    postgresPort: port(env.TESTER_POSTGRES_PORT, 5432, 'TESTER_POSTGRES_PORT'),
    postgresUser: env.TESTER_POSTGRES_USER || 'tester',
    postgresPassword: env.TESTER_POSTGRES_PASSWORD || 'tester',
    postgresDatabase: env.TESTER_POSTGRES_DATABASE || 'inventory',
    connectPort: port(env.TESTER_CONNECT_PORT, 8083, 'TESTER_CONNECT_PORT'),
    connectMetricsPort: port(env.TESTER_CONNECT_METRICS_PORT, 9404, 'TESTER_CONNECT_METRICS_PORT'),
    connectVersion: env.TESTER_CONNECT_VERSION || DEFAULT_CONNECT_VERSION,
    debeziumVersion: env.TESTER_DEBEZIUM_VERSION || DEFAULT_DEBEZIUM_VERSION,
    jmxExporterVersion: env.TESTER_JMX_EXPORTER_VERSION || DEFAULT_JMX_EXPORTER_VERSION,
    ...defined,
  };
}

/** The run directory of one part of the shared stack. @param {StackConfig} config @param {string} part */
export const runDir = (config, part) => join(config.stateDir, 'run', part);

/** The directory that holds a Kafka version's jars. @param {StackConfig} config @param {string} [version] */
export const kafkaLibs = (config, version = config.kafkaVersion) => join(config.stateDir, `kafka-${version}`, 'libs');

/** Where a Toxiproxy version is built (`bin/server` inside). @param {StackConfig} config */
export const toxiproxyDir = (config) => join(config.stateDir, `toxiproxy-${config.toxiproxyVersion}`);

/** The toxiproxy-server binary of the configured version. @param {StackConfig} config */
export const toxiproxyBin = (config) => join(toxiproxyDir(config), 'bin', 'server');

/** The Kafka Connect worker's jars. @param {StackConfig} config */
export const connectLibs = (config) => join(config.stateDir, `connect-${config.connectVersion}`, 'libs');

/** The worker's plugin.path: one directory per plugin inside. @param {StackConfig} config */
export const connectPluginPath = (config) => join(config.stateDir, `connect-plugins-debezium-${config.debeziumVersion}`);

/** The JMX exporter javaagent's jar. @param {StackConfig} config */
export const jmxExporterJar = (config) => join(config.stateDir, `jmx-exporter-${config.jmxExporterVersion}`, `jmx_prometheus_javaagent-${config.jmxExporterVersion}.jar`);
