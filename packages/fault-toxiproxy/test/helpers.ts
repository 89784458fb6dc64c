import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { E2E_INSTALL } from './e2e-install';

/** A TCP echo server on 127.0.0.1 (a real server for bytes to cross a proxy). */
export async function startEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Creates a proxy listening on a free loopback port; returns that port. */
export async function createProxy(apiUrl: string, name: string, upstreamPort: number): Promise<number> {
  const response = await fetch(`${apiUrl}/proxies`, {
    method: 'POST',
    body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}`, enabled: true }),
  });
  if (response.status !== 201) throw new Error(`creating proxy ${name}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { listen: string };
  return Number(body.listen.split(':').pop());
}

export async function toxicsOf(apiUrl: string, proxy: string): Promise<Array<{ name: string; type: string; stream: string; toxicity: number; attributes: Record<string, number> }>> {
  const response = await fetch(`${apiUrl}/proxies/${proxy}/toxics`);
  if (response.status !== 200) throw new Error(`GET toxics of ${proxy}: ${response.status}`);
  return (await response.json()) as Array<{ name: string; type: string; stream: string; toxicity: number; attributes: Record<string, number> }>;
}

export async function proxyOf(apiUrl: string, proxy: string): Promise<{ enabled: boolean }> {
  return (await (await fetch(`${apiUrl}/proxies/${proxy}`)).json()) as { enabled: boolean };
}

/**
 * Milliseconds from connecting to 127.0.0.1:port until the first byte arrives: after sending `send` (an echo
 * server answers it), or unprompted when `send` is omitted (a MariaDB server greets first). Rejects on a refused
 * or reset connection, or after `timeoutMs`.
 */
export function firstByteMs(port: number, send?: string, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const started = performance.now();
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(performance.now() - started);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no byte from 127.0.0.1:${port} within ${timeoutMs} ms`)));
    socket.once('error', (e) => finish(e));
    socket.once('data', () => finish());
    socket.once('close', () => finish(new Error('closed before any byte')));
    socket.connect(port, '127.0.0.1', () => {
      if (send) socket.write(send);
    });
  });
}

/** The `tester` bin as npm would link it (the CLI's package.json `bin`), from the snapshot the global setup made. */
export const BIN = (() => {
  const cli = join(E2E_INSTALL, 'node_modules', '@tester', 'cli');
  const bin = (JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')) as { bin: string | Record<string, string> }).bin;
  return join(cli, typeof bin === 'string' ? bin : bin.tester!);
})();

/** A project folder inside the snapshot, so `@tester/fault-toxiproxy` resolves by package name as in a user's project. */
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

export function startCli(args: string[], cwd: string): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GITHUB_STEP_SUMMARY;
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, done, output: () => output };
}
