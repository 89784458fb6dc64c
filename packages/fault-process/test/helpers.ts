import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startNode, type NodeRun } from '../../../scripts/test-support/e2e-install.mjs';
import { install } from './e2e-install';

export { startNode };
/** A spawned CLI (or node script): `done` resolves at its end. */
export type CliRun = NodeRun;

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

/** A project folder inside the install, so `@tester/fault-process` resolves by package name as in a user's project. */
export const project = install.project;

/** Starts `tester <args>` in `cwd`. */
export const startCli = install.startCli;
