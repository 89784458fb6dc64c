// Vitest globalSetup: brings the shared local stack up (or reuses it) and exposes its addresses to the tests
// through process.env (the test workers inherit it): TESTER_KAFKA_BOOTSTRAP, TESTER_PROMETHEUS_URL,
// TESTER_CONTROL_PLANE_URL, TESTER_CONTROL_PLANE_TOPIC, TESTER_MARIADB_HOST/PORT/USER/PASSWORD, TESTER_TOXIPROXY_URL.
// Teardown stops only what this setup started, and only when no other live test run still uses it.
import { ensureStack } from './index.mjs';

/** @param {{ provide?: (key: string, value: unknown) => void }} [project] */
export default async function setup(project) {
  const stack = await ensureStack({ log: (line) => console.error(`[stack] ${line}`) });
  const env = {
    TESTER_KAFKA_BOOTSTRAP: stack.kafka.bootstrap,
    TESTER_PROMETHEUS_URL: stack.prometheus.url,
    TESTER_TOXIPROXY_URL: stack.toxiproxy.url,
    TESTER_CONTROL_PLANE_URL: stack.controlPlane.url,
    TESTER_CONTROL_PLANE_TOPIC: stack.controlPlane.topic,
    TESTER_MARIADB_HOST: stack.mariadb.host,
    TESTER_MARIADB_PORT: String(stack.mariadb.port),
    TESTER_MARIADB_USER: stack.mariadb.user,
    TESTER_MARIADB_PASSWORD: stack.mariadb.password,
  };
  Object.assign(process.env, env);
  project?.provide?.('testerStack', env);
  return async () => {
    if (process.env.TESTER_KEEP_STACK !== '1') await stack.stop();
  };
}
