import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';

export const STARTER_CONFIG = `# tester configuration: https://github.com/tester-dev/tester/tree/main/packages/cli#config-reference
# Precedence: flags > environment (TESTER_*) > this file > defaults. \${VAR} and \${VAR:-default} read the environment.
controlPlaneUrl: \${TESTER_CONTROL_PLANE_URL:-http://127.0.0.1:8080}
kafkaBootstrap: \${TESTER_KAFKA_BOOTSTRAP:-127.0.0.1:9092}
prometheusUrl: \${TESTER_PROMETHEUS_URL:-http://127.0.0.1:9090}
defaults:
  scenariosDir: scenarios
  concurrency: 1
reporters:
  - console
  - junit=reports/junit.xml
# The built-in plugins (api, kafka, prometheus, assertions) are on by default. Add third-party plugins by package
# name, with options as a [name, options] tuple:
# plugins:
#   - "@acme/tester-plugin-sql"
# and give any plugin options in a block named after it:
# kafka:
#   topics: control-plane.events
`;

export const STARTER_SCENARIO = `name: example_mysql_failure
description: mysql loses its connection for 10 seconds, is auto-recovered and ends CONNECTED
timeout: 90s
tags: [example]

preconditions:
  - mysql.state == "CONNECTED"

actions:
  - type: CHAOS
    system: mysql
    fault: CONNECTION_LOSS
    duration: 10

expectations:
  states:
    - system: mysql
      final_state: CONNECTED
  policies:
    - policy_id: auto-recover
      should_fire: true
  events:
    - type: CONNECTION_LOST
      count: 1
`;

/** `tester init [dir]`: writes a starter config and scenario, never overwriting without `--force`. */
export async function initCommand(dir: string, opts: { force?: boolean }, io: Io): Promise<number> {
  const root = resolve(io.cwd, dir);
  const files = [
    [join(root, 'tester.config.yaml'), STARTER_CONFIG],
    [join(root, 'scenarios', 'example.yaml'), STARTER_SCENARIO],
  ] as const;
  const existing = files.filter(([f]) => existsSync(f)).map(([f]) => f);
  if (existing.length && !opts.force) {
    throw new CliError('USAGE', `${existing.join(', ')} already exist(s): keep them, or pass --force to overwrite.`);
  }
  for (const [file, text] of files) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    io.stdout.write(`wrote ${file}\n`);
  }
  io.stdout.write('Next: tester validate && tester ci\n');
  return EXIT.passed;
}
