/**
 * A minimal Prometheus HTTP API on 127.0.0.1:0 for fault shapes (500, garbage, query errors, empty results,
 * a target whose lastScrape lags) and a /metrics page. Real-Prometheus behaviour is covered by the stack tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeNow, listenLoopback } from '../../../scripts/test-support/loopback-server.mjs';

export class FakePrometheus {
  /** Series per query: labels -> value. A missing query answers bad_data. */
  series = new Map<string, { metric: Record<string, string>; value: number }[]>();
  /** What `/api/v1/label/__name__/values` answers; `undefined`: 404, as a server without that API. */
  names: string[] | undefined;
  /** Metric families a target declares (`/api/v1/metadata`); `undefined`: 404. */
  metadata: string[] | undefined;
  lastScrape: string = new Date().toISOString();
  /** `wrong-shape`: JSON with `"data": null` everywhere (a server that is not Prometheus, or a broken proxy). */
  mode: 'ok' | '500' | 'garbage' | 'wrong-shape' = 'ok';
  metricsText = '';
  /** What `/api/v1/status/config` answers as `data.yaml`; `undefined`: 404, as a server without that API. */
  configYaml: string | undefined;
  /** Fields of the one active target beyond its labels and lastScrape (scrapeUrl, scrapePool, scrapeInterval, ...). */
  target: Record<string, unknown> = { scrapeUrl: 'http://127.0.0.1:1/metrics', health: 'up', lastError: '' };
  requests: { url: string; headers: IncomingMessage['headers'] }[] = [];
  url = '';
  private server: Server | undefined;

  /**
   * Pretend a scrape happened `aheadMs` from now. Tests pass a small lead because Date.now() and the
   * harness clock (performance.timeOrigin + performance.now()) may drift apart by a few ms.
   */
  scrape(aheadMs = 0): void {
    this.lastScrape = new Date(Date.now() + aheadMs).toISOString();
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.url = await listenLoopback(this.server, port);
    return this;
  }

  stop(): Promise<void> {
    return closeNow(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ url: `${url.pathname}${url.search}`, headers: req.headers });
    if (url.pathname === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(this.metricsText);
    if (this.mode === '500') return void res.writeHead(500).end('boom');
    if (this.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
    if (this.mode === 'wrong-shape') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":null}');
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/api/v1/targets') {
      return json(200, { status: 'success', data: { activeTargets: [{ labels: { job: 'cp', instance: 'x' }, ...this.target, lastScrape: this.lastScrape }] } });
    }
    if (url.pathname === '/api/v1/status/config' && this.configYaml !== undefined) return json(200, { status: 'success', data: { yaml: this.configYaml } });
    if (url.pathname === '/api/v1/label/__name__/values' && this.names) return json(200, { status: 'success', data: this.names });
    if (url.pathname === '/api/v1/metadata' && this.metadata) {
      return json(200, { status: 'success', data: Object.fromEntries(this.metadata.map((m) => [m, [{ type: 'counter', help: m, unit: '' }]])) });
    }
    if (url.pathname === '/api/v1/query') {
      const query = url.searchParams.get('query') ?? '';
      const result = this.series.get(query);
      if (!result) return json(400, { status: 'error', errorType: 'bad_data', error: `parse error in ${query}` });
      const t = Date.now() / 1000;
      return json(200, { status: 'success', data: { resultType: 'vector', result: result.map((s) => ({ metric: s.metric, value: [t, String(s.value)] })) } });
    }
    json(404, { status: 'error', errorType: 'not_found', error: url.pathname });
  }
}
