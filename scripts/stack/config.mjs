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
 */

/** The flag and env var that set each port, for "port taken" messages. */
export const portKnobs = {
  kafkaPort: '--kafka-port / TESTER_KAFKA_PORT',
  kafkaControllerPort: '--kafka-controller-port / TESTER_KAFKA_CONTROLLER_PORT',
  prometheusPort: '--prometheus-port / TESTER_PROMETHEUS_PORT',
  mariadbPort: '--mariadb-port / TESTER_MARIADB_PORT',
  controlPlanePort: '--control-plane-port / TESTER_CONTROL_PLANE_PORT',
  toxiproxyPort: '--toxiproxy-port / TESTER_TOXIPROXY_PORT',
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
