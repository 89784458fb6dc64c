// `stack install`: Debian packages (prometheus, mariadb-server, Java 17, Maven) when missing, the Kafka
// broker's jars from Maven Central and Toxiproxy built from its Go module into the cache; with the Kafka Connect
// parts, also Debian's postgresql-15 and Connect's, Debezium's and the JMX exporter's jars. Idempotent, and silent
// when everything is already there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { kafkaLibs, repoRoot } from './config.mjs';
import { StackError, acquireLock } from './proc.mjs';
import { installConnect } from './connect.mjs';
import { postgresBin } from './postgres.mjs';
import { installToxiproxy } from './toxiproxy.mjs';

/** @param {string} cmd a command on PATH (or in /usr/sbin), or an absolute path */
const onPath = (cmd) => (cmd.startsWith('/') ? existsSync(cmd) : spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0 || existsSync(`/usr/sbin/${cmd}`));

/** Debian packages this stack needs, each with the command that proves it is installed. */
const debianPackages = [
  { pkg: 'prometheus', cmd: 'prometheus' },
  { pkg: 'mariadb-server', cmd: 'mariadbd' },
  { pkg: 'openjdk-17-jre-headless', cmd: 'java' },
  { pkg: 'maven', cmd: 'mvn' },
];

/** What the Kafka Connect parts add (examples/kafka-connect): Debian's PostgreSQL 15, whose binaries are not on PATH. */
const connectDebianPackages = [{ pkg: 'postgresql-15', cmd: postgresBin('postgres') }];

/** An apt/dpkg run that someone else started (for example at machine start); we wait rather than fight its lock. */
function aptBusy() {
  const out = spawnSync('pgrep', ['-x', 'apt-get|apt|dpkg|unattended-upgr'], { encoding: 'utf8' });
  return out.status === 0 && out.stdout.trim() !== '';
}

/** @param {(line: string) => void} log */
async function waitForApt(log, timeoutMs = 600_000) {
  if (!aptBusy()) return;
  log('install: another apt-get/dpkg is running; waiting for it to finish');
  const deadline = Date.now() + timeoutMs;
  while (aptBusy()) {
    if (Date.now() > deadline) throw new StackError('install', 'apt-get/dpkg kept running for 10 minutes; let it finish, then rerun.');
    await delay(1000);
  }
}

/** @param {string[]} args @param {NodeJS.ProcessEnv} [env] */
function run(cmd, args, env) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { ok: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}`.trim(), status: res.status };
}

/** @param {(line: string) => void} log @param {Array<{ pkg: string, cmd: string }>} packages */
async function installDebian(log, packages = debianPackages) {
  let missing = packages.filter((p) => !onPath(p.cmd));
  if (missing.length === 0) return;
  await waitForApt(log); // a concurrent install may be installing exactly these
  missing = packages.filter((p) => !onPath(p.cmd));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.pkg);
  if (process.getuid?.() !== 0) {
    throw new StackError('install', `missing ${names.join(', ')} and not root: run \`sudo apt-get update && sudo apt-get install -y ${names.join(' ')}\`, then rerun.`);
  }
  log(`install: apt-get install ${names.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const update = run('apt-get', ['update', '-qq'], env);
  if (!update.ok) throw new StackError('install', `apt-get update failed (exit ${update.status}):\n${update.output.slice(-2000)}`);
  const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], env);
  if (!install.ok) throw new StackError('install', `apt-get install ${names.join(' ')} failed (exit ${install.status}):\n${install.output.slice(-2000)}`);
  const still = missing.filter((p) => !onPath(p.cmd));
  if (still.length) throw new StackError('install', `installed ${names.join(', ')} but ${still.map((p) => p.cmd).join(', ')} is still not on PATH`);
}

/**
 * Resolves the Kafka broker's jars with Maven into `<stateDir>/kafka-<version>/libs` (a `.complete` marker
 * makes it idempotent; a half-finished download is never used).
 * @param {import('./config.mjs').StackConfig} config @param {(line: string) => void} log @param {string} [version]
 */
export async function installKafka(config, log, version = config.kafkaVersion) {
  const libs = kafkaLibs(config, version);
  if (existsSync(join(libs, '.complete'))) return libs;
  const release = await acquireLock(join(config.stateDir, `kafka-${version}.lock`));
  try {
    if (existsSync(join(libs, '.complete'))) return libs;
    log(`install: resolving Apache Kafka ${version} jars from Maven Central`);
    const tmp = `${libs}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(dirname(libs), { recursive: true });
    const res = run('mvn', [
      '-q', '-B', '-f', join(repoRoot, 'scripts', 'stack', 'pom.xml'), 'dependency:copy-dependencies',
      `-Dkafka.version=${version}`, '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`,
    ]);
    if (!res.ok) {
      rmSync(tmp, { recursive: true, force: true });
      throw new StackError('install', `mvn could not resolve org.apache.kafka:kafka_2.13:${version} (exit ${res.status}); check Maven Central access or set TESTER_KAFKA_VERSION:\n${res.output.slice(-2000)}`);
    }
    writeFileSync(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    rmSync(libs, { recursive: true, force: true });
    renameSync(tmp, libs);
    return libs;
  } finally {
    release();
  }
}

/**
 * Everything the stack needs on the machine; with `connect`, also what the Kafka Connect parts need. Quiet (no
 * output) when all is already installed.
 * @param {import('./config.mjs').StackConfig} config @param {{ log?: (line: string) => void, connect?: boolean }} [opts]
 */
export async function install(config, { log = (line) => console.error(line), connect = false } = {}) {
  await installDebian(log, connect ? [...debianPackages, ...connectDebianPackages] : debianPackages);
  await installKafka(config, log);
  await installToxiproxy(config, log);
  if (connect) await installConnect(config, log);
}
