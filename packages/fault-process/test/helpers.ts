import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { E2E_INSTALL } from './e2e-install';

/** The state letter of /proc/<pid>/stat (`S`, `R`, `T` stopped, `Z`), or `gone`. */
export function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
  } catch {
    return 'gone';
  }
}

const spawned = new Set<ChildProcess>();

/** A `sleep` to pause: a real process that does nothing, ended by {@link killSpawned}. */
export function spawnSleep(): { pid: number; child: ChildProcess } {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  spawned.add(child);
  return { pid: child.pid!, child };
}

/** Ends every process the tests spawned. */
export function killSpawned(): void {
  for (const child of spawned) {
    try {
      process.kill(child.pid!, 'SIGCONT');
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  spawned.clear();
}

/** Kills a pid this test started indirectly (a restarted server), if it is still there. */
export function killPid(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export const SERVER = join(__dirname, 'fixtures', 'server.mjs');

/** Reads a pid file once it exists and names a live process. */
export function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 && stateOf(pid) !== 'gone' && stateOf(pid) !== 'Z' ? pid : undefined;
}

/** The `tester` bin as npm would link it (the CLI's package.json `bin`), from the snapshot the global setup made. */
export const BIN = (() => {
  const cli = join(E2E_INSTALL, 'node_modules', '@tester', 'cli');
  const bin = (JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')) as { bin: string | Record<string, string> }).bin;
  return join(cli, typeof bin === 'string' ? bin : bin.tester!);
})();

/** A project folder inside the snapshot, so `@tester/fault-process` resolves by package name as in a user's project. */
export function project(files: Record<string, string>): string {
  const root = join(E2E_INSTALL, 'projects');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'p-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  output(): string;
}

export function startNode(args: string[], cwd: string): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_STEP_SUMMARY;
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, args, { cwd, env });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, done, output: () => output };
}

export const startCli = (args: string[], cwd: string): CliRun => startNode([BIN, ...args], cwd);
