// Toxiproxy (Shopify's TCP fault proxy) built from its Go module into the stack's cache and run as a plain
// process on loopback, like the other parts. Its HTTP API is what @tester/fault-toxiproxy drives.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toxiproxyBin, toxiproxyDir } from './config.mjs';
import { StackError, acquireLock, pidAlive, startProcess, tail, waitFor } from './proc.mjs';

/** The go command: on PATH, or where the official tarball puts it. */
function goCommand() {
  for (const candidate of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    if (spawnSync(candidate, ['version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/**
 * Installs Debian's Go when there is none (as root). Toxiproxy's go.mod asks for a newer Go than Debian's, and
 * GOTOOLCHAIN=auto (set below) makes the go command fetch that toolchain from the Go module proxy.
 * @param {(line: string) => void} log
 */
function ensureGo(log) {
  const found = goCommand();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new StackError('install', 'Toxiproxy is built with Go, and there is no `go` command: install Go (https://go.dev/doc/install, or `sudo apt-get install golang-go`), then rerun.');
  }
  log('install: apt-get install golang-go (to build Toxiproxy)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'golang-go']]) {
    const res = spawnSync('apt-get', args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0) throw new StackError('install', `apt-get ${args[0]} failed (exit ${res.status}):\n${`${res.stdout}${res.stderr}`.slice(-2000)}`);
  }
  const installed = goCommand();
  if (!installed) throw new StackError('install', 'installed golang-go but `go` is still not found');
  return installed;
}

/**
 * `GOBIN=<stateDir>/toxiproxy-<version>/bin go install github.com/Shopify/toxiproxy/v2/cmd/server@<version>`, once
 * per version (a `.complete` marker makes it idempotent; a half-finished build is never used).
 * @param {import('./config.mjs').StackConfig} config @param {(line: string) => void} log
 * @returns {Promise<string>} the server binary
 */
export async function installToxiproxy(config, log) {
  const bin = toxiproxyBin(config);
  const dir = toxiproxyDir(config);
  if (existsSync(join(dir, '.complete')) && existsSync(bin)) return bin;
  const release = await acquireLock(`${dir}.lock`);
  try {
    if (existsSync(join(dir, '.complete')) && existsSync(bin)) return bin;
    const go = ensureGo(log);
    const module = `github.com/Shopify/toxiproxy/v2/cmd/server@${config.toxiproxyVersion}`;
    log(`install: go install ${module} (about a minute on a fresh machine)`);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'bin'), { recursive: true });
    const res = spawnSync(go, ['install', module], {
      encoding: 'utf8',
      env: { ...process.env, GOBIN: join(tmp, 'bin'), CGO_ENABLED: '0', GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'auto', GOFLAGS: '-buildvcs=false' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (res.status !== 0 || !existsSync(join(tmp, 'bin', 'server'))) {
      rmSync(tmp, { recursive: true, force: true });
      throw new StackError(
        'install',
        `go install ${module} failed (exit ${res.status}); check access to the Go module proxy or set TESTER_TOXIPROXY_VERSION:\n${`${res.stdout}${res.stderr}`.slice(-2000)}`,
      );
    }
    writeFileSync(join(tmp, '.complete'), `${module} ${new Date().toISOString()}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return bin;
  } finally {
    release();
  }
}

/**
 * Starts toxiproxy-server in the background, its API on 127.0.0.1:port. It starts with no proxies: tests and
 * users create them through the API (`POST /proxies`), listening on loopback.
 * @param {{ dir: string, bin: string, port: number, detached?: boolean }} spec
 */
export function launchToxiproxy({ dir, bin, port, detached = true }) {
  mkdirSync(dir, { recursive: true });
  // No proxies at start; the file's path also puts `dir` in the command line, which is how a pid file's process
  // is known to be ours (proc.mjs pidIsOurs).
  const proxies = join(dir, 'proxies.json');
  writeFileSync(proxies, '[]\n');
  // LOG_LEVEL=info: at its default (debug) it logs every API request and connection.
  return startProcess(bin, ['-host', '127.0.0.1', '-port', String(port), '-config', proxies], {
    logFile: join(dir, 'toxiproxy.log'),
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'info' },
    detached,
  });
}

/** @param {string} url the API's base URL */
export async function toxiproxyHealthy(url) {
  try {
    const res = await fetch(`${url}/version`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** @param {string} url @param {{ dir: string, pid?: number, timeoutMs?: number }} opts */
export async function waitToxiproxyReady(url, { dir, pid, timeoutMs = 20_000 }) {
  await waitFor(() => toxiproxyHealthy(url), {
    timeoutMs,
    intervalMs: 50,
    what: `Toxiproxy API answering at ${url}`,
    where: 'toxiproxy',
    failIf: () => (pid && !pidAlive(pid) ? `toxiproxy-server exited during start.\n${tail(join(dir, 'toxiproxy.log'))}` : undefined),
    onTimeout: () => tail(join(dir, 'toxiproxy.log')),
  });
}
