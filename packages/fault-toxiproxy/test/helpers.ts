import { createServer, Socket, type Server } from 'node:net';
import { install } from './e2e-install';

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

/** A project folder inside the install, so `@tester/fault-toxiproxy` resolves by package name as in a user's project. */
export const project = install.project;

/** Starts `tester <args>` in `cwd`. */
export const startCli = install.startCli;
