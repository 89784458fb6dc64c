import { createServer, connect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from './proxy.js';

/** A real TCP echo server on loopback stands in for MariaDB: the proxy only moves bytes. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function roundTrip(port: number, text: string): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.once('data', (data) => {
      socket.destroy();
      resolve({ reply: String(data), ms: Date.now() - started });
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before a reply')));
  });
}

describe('TcpProxy', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  it('forwards bytes, delays them with latency, and refuses connections while cut', async () => {
    const echo = await echoServer();
    const proxy = new TcpProxy({ host: '127.0.0.1', port: echo.port });
    cleanup.push(() => proxy.close(), () => void echo.server.close());
    const port = await proxy.listen();

    expect((await roundTrip(port, 'hello')).reply).toBe('hello');

    proxy.setFaults({ cut: false, latencyMs: 150, errorRate: 0 });
    const slow = await roundTrip(port, 'slow');
    expect(slow.reply).toBe('slow');
    expect(slow.ms).toBeGreaterThanOrEqual(290); // 150 ms each way

    proxy.setFaults({ cut: true, latencyMs: 0, errorRate: 0 });
    await expect(roundTrip(port, 'nope')).rejects.toThrow();
    expect(proxy.dropped).toBeGreaterThan(0);

    proxy.setFaults({ cut: false, latencyMs: 0, errorRate: 0 });
    expect((await roundTrip(port, 'back')).reply).toBe('back');
  });

  it('drops live connections the moment a cut starts, and kills connections at the error rate', async () => {
    const echo = await echoServer();
    const proxy = new TcpProxy({ host: '127.0.0.1', port: echo.port }, () => 0);
    cleanup.push(() => proxy.close(), () => void echo.server.close());
    const port = await proxy.listen();
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    await new Promise((resolve) => {
      socket.once('data', resolve);
      socket.write('x');
    });
    expect(proxy.liveConnections).toBe(1);
    proxy.setFaults({ cut: true, latencyMs: 0, errorRate: 0 });
    await closed;
    expect(proxy.liveConnections).toBe(0);

    proxy.setFaults({ cut: false, latencyMs: 0, errorRate: 1 });
    await expect(roundTrip(port, 'boom')).rejects.toThrow();
  });
});
