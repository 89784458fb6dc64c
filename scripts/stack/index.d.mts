// Types for scripts/stack/index.mjs, so TypeScript tests can import the stack API with full types.

/** The shared stack's configuration (each field also has a TESTER_* env var; see README.md). */
export interface StackConfig {
  stateDir: string;
  kafkaVersion: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  prometheusPort: number;
  mariadbPort: number;
  controlPlanePort: number;
  toxiproxyPort: number;
  toxiproxyVersion: string;
  mariadbUser: string;
  mariadbPassword: string;
  controlPlaneTopic: string;
  controlPlaneDatabase: string;
  postgresPort: number;
  postgresUser: string;
  postgresPassword: string;
  postgresDatabase: string;
  connectPort: number;
  connectMetricsPort: number;
  connectVersion: string;
  debeziumVersion: string;
  jmxExporterVersion: string;
}

export interface MariadbAddress {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface StackInfo {
  kafka: { bootstrap: string };
  prometheus: { url: string };
  /** Toxiproxy's HTTP API. */
  toxiproxy: { url: string };
  mariadb: MariadbAddress;
  controlPlane: { url: string; topic: string; database: string };
  /** Parts this call started. */
  started: string[];
  /** Stops what ensureStack() calls started, once no other live caller holds the stack. */
  stop(): Promise<void>;
}

export interface PartStatus {
  part: 'mariadb' | 'kafka' | 'prometheus' | 'toxiproxy' | 'control-plane' | 'postgres' | 'kafka-connect';
  address: string;
  running: boolean;
  pid?: number;
  startedBy?: 'up' | 'ensure';
  healthy: boolean;
}

/** Installs what is missing and starts what is not running; idempotent, safe from several processes. */
export function ensureStack(options?: Partial<StackConfig> & { startedBy?: 'up' | 'ensure'; log?: (line: string) => void }): Promise<StackInfo>;

/** Stops every part of the shared stack this tooling started, and leftover private instances. */
export function stopStack(overrides?: Partial<StackConfig>): Promise<{ stopped: string[]; privateStopped: number }>;

/** Health of each part of the shared stack, then of the Kafka Connect parts that run (`up --with kafka-connect`). */
export function stackStatus(overrides?: Partial<StackConfig>): Promise<PartStatus[]>;

export function resolveConfig(overrides?: Partial<StackConfig>, env?: NodeJS.ProcessEnv): StackConfig;

export class StackError extends Error {
  where: string;
}

export interface PrivateKafka {
  bootstrap: string;
  port: number;
  /** Stops the broker (its storage is kept, so start() brings the same topics back). */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
}

/** A private single-node KRaft broker on free ports. */
export function startKafka(options?: { port?: number; controllerPort?: number }): Promise<PrivateKafka>;

/** A private Prometheus scraping `targets` (host:port). */
export function startPrometheus(options: { port?: number; targets: string[]; scrapeInterval?: string }): Promise<{ url: string; port: number; stop(): Promise<void> }>;

/** A private Toxiproxy server (no proxies yet): its API at `url`, on 127.0.0.1. */
export function startToxiproxy(options?: { port?: number }): Promise<{ url: string; port: number; pid: number; stop(): Promise<void> }>;

export interface ControlPlaneOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: a random `cp-events-<hex>`. */
  topic?: string;
  /** Default: a random `cp_<hex>`. */
  database?: string;
  /** Misbehaviour switches (examples/control-plane/README.md). */
  misbehave?: string[];
  /** Number of systems (`mysql`, `mysql-2` …). @default 6 */
  systems?: number;
  /** Default: TESTER_KAFKA_BOOTSTRAP, else the shared stack's. */
  kafkaBootstrap?: string;
  /** Default: TESTER_MARIADB_*, else the shared stack's. */
  mariadb?: MariadbAddress;
  /** Extra environment, e.g. `{ CP_FAILOVER_AFTER_MS: '5000' }`. */
  env?: Record<string, string>;
}

export interface PrivateControlPlane {
  url: string;
  port: number;
  topic: string;
  database: string;
  metricsUrl: string;
  logFile: string;
  stop(): Promise<void>;
}

/** A private control plane on its own port, topic and database. */
export function startControlPlane(options?: ControlPlaneOptions): Promise<PrivateControlPlane>;

export interface PostgresAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface KafkaConnectInfo {
  /** PostgreSQL 15, loopback only, `wal_level=logical`; the user has REPLICATION and owns `database`. */
  postgres: PostgresAddress;
  connect: {
    /** The worker's REST API. */
    url: string;
    /** `host:port` of the worker's JMX exporter (a Prometheus target). */
    metricsTarget: string;
    metricsUrl: string;
    /** The worker JVM's pid, one line (for @tester/fault-process's `pid_file`). */
    pidFile: string;
    logFile: string;
    pid?: number;
    /** The worker's group.id. */
    group: string;
    /** Its internal topics; `status` is what a Kafka observer reads for states. */
    topics: { configs: string; offsets: string; status: string };
    version: string;
  };
}

/**
 * The shared stack plus PostgreSQL 15 and a Kafka Connect worker on the shared Kafka, with the Debezium PostgreSQL
 * connector on its plugin.path and the Prometheus JMX exporter (installed when missing). `stop()` stops what
 * ensureKafkaConnect() calls started once no other live caller holds them, then releases the shared stack.
 */
export function ensureKafkaConnect(options?: Partial<StackConfig> & { startedBy?: 'up' | 'ensure'; log?: (line: string) => void }): Promise<StackInfo & KafkaConnectInfo>;
