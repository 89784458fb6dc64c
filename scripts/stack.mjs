#!/usr/bin/env node
// The local stack's command line: `node scripts/stack.mjs <install|up|down|status> [flags]`
// (npm run stack:up / stack:down / stack:status). See scripts/stack/README.md.
import { parseArgs } from 'node:util';

const usage = `usage: node scripts/stack.mjs <install|up|down|status> [flags]

  install   Debian packages (prometheus, mariadb-server, postgresql-15, Java 17, Maven), Kafka's jars, Toxiproxy, and
            Kafka Connect's, Debezium's and the JMX exporter's jars, when missing
  up        install what is missing, start MariaDB, Kafka, Prometheus, Toxiproxy and the control plane; wait until healthy
            (--with kafka-connect: also PostgreSQL 15 and a Kafka Connect worker, for examples/kafka-connect)
  down      stop every process that up (or a test's ensureStack) started; nothing else
  status    each part with its address and health (exit 1 if any is unhealthy)

flags (each also an env var):
  --kafka-port N             TESTER_KAFKA_PORT (9092)
  --kafka-controller-port N  TESTER_KAFKA_CONTROLLER_PORT (9093)
  --prometheus-port N        TESTER_PROMETHEUS_PORT (9090)
  --mariadb-port N           TESTER_MARIADB_PORT (3306)
  --control-plane-port N     TESTER_CONTROL_PLANE_PORT (8080)
  --toxiproxy-port N         TESTER_TOXIPROXY_PORT (8474)
  --postgres-port N          TESTER_POSTGRES_PORT (5432)
  --connect-port N           TESTER_CONNECT_PORT (8083): the Kafka Connect worker's REST API
  --connect-metrics-port N   TESTER_CONNECT_METRICS_PORT (9404): its JMX exporter
  --with kafka-connect       up: also start PostgreSQL and the Kafka Connect worker
  --kafka-version V          TESTER_KAFKA_VERSION
  --toxiproxy-version V      TESTER_TOXIPROXY_VERSION (v2.12.0)
  --state-dir DIR            TESTER_STACK_DIR (~/.cache/tester-stack)
  --json                     machine-readable output (status, up)`;

const flagEnv = {
  'kafka-port': 'TESTER_KAFKA_PORT',
  'kafka-controller-port': 'TESTER_KAFKA_CONTROLLER_PORT',
  'prometheus-port': 'TESTER_PROMETHEUS_PORT',
  'mariadb-port': 'TESTER_MARIADB_PORT',
  'control-plane-port': 'TESTER_CONTROL_PLANE_PORT',
  'toxiproxy-port': 'TESTER_TOXIPROXY_PORT',
  'postgres-port': 'TESTER_POSTGRES_PORT',
  'connect-port': 'TESTER_CONNECT_PORT',
  'connect-metrics-port': 'TESTER_CONNECT_METRICS_PORT',
  'toxiproxy-version': 'TESTER_TOXIPROXY_VERSION',
  'kafka-version': 'TESTER_KAFKA_VERSION',
  'state-dir': 'TESTER_STACK_DIR',
};

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        ...Object.fromEntries(Object.keys(flagEnv).map((k) => [k, { type: 'string' }])),
        json: { type: 'boolean', default: false },
        with: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`stack: ${error instanceof Error ? error.message : error}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  // Flags win over the environment: write them into it so every module sees the same values.
  for (const [flag, name] of Object.entries(flagEnv)) if (typeof values[flag] === 'string') process.env[name] = values[flag];

  const extras = values.with.flatMap((w) => w.split(',')).map((w) => w.trim()).filter(Boolean);
  const unknown = extras.filter((w) => w !== 'kafka-connect');
  if (unknown.length) {
    console.error(`stack: --with ${unknown.join(',')}: the only optional part is kafka-connect\n\n${usage}`);
    return 2;
  }
  const withConnect = extras.includes('kafka-connect');
  const stack = await import('./stack/index.mjs');
  const config = stack.resolveConfig();
  const started = Date.now();
  const secs = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  switch (command) {
    case 'install': {
      const { install } = await import('./stack/install.mjs');
      await install(config, { connect: true });
      return 0;
    }
    case 'up': {
      const options = { startedBy: /** @type {const} */ ('up'), log: (/** @type {string} */ line) => console.error(line) };
      const info = withConnect ? await stack.ensureKafkaConnect(options) : await stack.ensureStack(options);
      if (values.json) console.log(JSON.stringify({ ...info, stop: undefined, seconds: (Date.now() - started) / 1000 }));
      else {
        console.log(`stack up in ${secs()} (${info.started.length ? `started ${info.started.join(', ')}` : 'all already running'})`);
        console.log(`  mariadb        ${info.mariadb.host}:${info.mariadb.port} (user ${info.mariadb.user})`);
        console.log(`  kafka          ${info.kafka.bootstrap}`);
        console.log(`  prometheus     ${info.prometheus.url}`);
        console.log(`  toxiproxy      ${info.toxiproxy.url}`);
        console.log(`  control-plane  ${info.controlPlane.url} (topic ${info.controlPlane.topic})`);
        if ('connect' in info) {
          console.log(`  postgres       ${info.postgres.host}:${info.postgres.port} (user ${info.postgres.user}, database ${info.postgres.database})`);
          console.log(`  kafka-connect  ${info.connect.url} (${info.connect.version}; metrics ${info.connect.metricsUrl}; pid file ${info.connect.pidFile})`);
        }
      }
      return 0;
    }
    case 'down': {
      const { stopped, privateStopped } = await stack.stopStack();
      const what = [...stopped, ...(privateStopped ? [`${privateStopped} private instance(s)`] : [])];
      console.log(`stack down in ${secs()}: ${what.length ? `stopped ${what.join(', ')}` : 'nothing of ours was running'}`);
      return 0;
    }
    case 'status': {
      const rows = await stack.stackStatus();
      if (values.json) console.log(JSON.stringify(rows));
      else {
        for (const r of rows) {
          const who = r.running ? `pid ${r.pid}, started by ${r.startedBy}` : 'not started by this stack';
          console.log(`${r.part.padEnd(14)} ${r.address.padEnd(24)} ${r.healthy ? 'healthy  ' : 'UNHEALTHY'} (${who})`);
        }
      }
      return rows.every((r) => r.healthy) ? 0 : 1;
    }
    default:
      console.error(`stack: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
