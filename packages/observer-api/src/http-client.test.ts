import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeNow, listenLoopback } from '../../../scripts/test-support/loopback-server.mjs';
import { parseApiConfig } from './config';
import { HttpClient } from './http-client';

let server: ReturnType<typeof createServer> | undefined;
afterEach(async () => {
  await closeNow(server);
  server = undefined;
});

describe('HttpClient, undici made on the first request', () => {
  it('closed before its first request: that request fails and opens no connection (none outlives the client)', async () => {
    let connections = 0;
    server = createServer((_req, res) => res.end('{}'));
    server.on('connection', () => connections++);
    const client = new HttpClient(parseApiConfig({ baseUrl: await listenLoopback(server) }));
    await client.close();
    await expect(client.request('GET', '/api/systems')).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/api\/systems: /);
    expect(connections).toBe(0);
  });

  it('answers before close(), fails after it', async () => {
    server = createServer((_req, res) => res.end('{"ok":true}'));
    const client = new HttpClient(parseApiConfig({ baseUrl: await listenLoopback(server) }));
    expect(await client.request('GET', '/x')).toMatchObject({ status: 200, text: '{"ok":true}' });
    await client.close();
    await expect(client.request('GET', '/x')).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/x: /);
  });
});
