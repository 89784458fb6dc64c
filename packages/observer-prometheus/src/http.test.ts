import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeNow, listenLoopback } from '../../../scripts/test-support/loopback-server.mjs';
import { parsePrometheusConfig } from './config';
import { PromHttp, Unreachable } from './http';

let server: ReturnType<typeof createServer> | undefined;
afterEach(async () => {
  await closeNow(server);
  server = undefined;
});

describe('PromHttp, undici made on the first request', () => {
  it('closed before its first request: that request fails and opens no connection (none outlives the client)', async () => {
    let connections = 0;
    server = createServer((_req, res) => res.end('{}'));
    server.on('connection', () => connections++);
    const url = await listenLoopback(server);
    const http = new PromHttp(parsePrometheusConfig({ url }), 'run-1');
    await http.close();
    await expect(http.get(`${url}/api/v1/query?query=up`, new AbortController().signal)).rejects.toBeInstanceOf(Unreachable);
    expect(connections).toBe(0);
  });

  it('answers before close(), fails after it', async () => {
    server = createServer((_req, res) => res.end('{"status":"success"}'));
    const url = await listenLoopback(server);
    const http = new PromHttp(parsePrometheusConfig({ url }), 'run-1');
    expect(await http.get(`${url}/api/v1/query?query=up`, new AbortController().signal)).toMatchObject({ status: 200, text: '{"status":"success"}' });
    await http.close();
    await expect(http.get(`${url}/api/v1/query?query=up`, new AbortController().signal)).rejects.toBeInstanceOf(Unreachable);
  });
});
