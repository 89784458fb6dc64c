/**
 * A small control plane on 127.0.0.1:0 that speaks the contract, for unit tests of fault shapes (500s,
 * garbage, slow answers, ETag/304). Real HTTP through real undici: nothing is mocked.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsOptions } from 'node:https';
import { closeNow, listenLoopback } from '../../../scripts/test-support/loopback-server.mjs';

export interface FakeChaos {
  id: string;
  system: string;
  fault: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  duration: number;
  params?: unknown;
}

export class FakeControlPlane {
  systems = new Map<string, { id: string; state: string; since: string }>();
  executions: Record<string, unknown[]> = { 'auto-recover': [], failover: [] };
  chaos = new Map<string, FakeChaos>();
  desired = new Map<string, unknown>([['mysql.max_connections', 100]]);
  reconciliations: unknown[] = [];
  /** `ok`, or a misbehaviour for every /api request. */
  mode: 'ok' | '500' | 'garbage' | 'slow' = 'ok';
  /** Paths (exact, or a prefix ending in `/`) that answer 500 whatever the mode: one broken endpoint. */
  failing = new Set<string>();
  slowMs = 3000;
  /** Every request: method, url, headers. */
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  notModified = 0;
  /** When true, the control plane ignores the client-chosen chaos id. */
  ignoreChaosId = false;
  private server: Server | undefined;
  url = '';

  constructor() {
    for (const id of ['mysql', 'mysql-2']) this.setState(id, 'CONNECTED');
  }

  setState(id: string, state: string): void {
    this.systems.set(id, { id, state, since: new Date().toISOString() });
  }

  endChaos(id: string, status = 'ENDED'): void {
    const c = this.chaos.get(id);
    if (c && c.status === 'ACTIVE') Object.assign(c, { status, endedAt: new Date().toISOString() });
  }

  /** Listens on `port` (0: a random one; pass the old port to bring a stopped control plane back). */
  async start(port = 0, tls?: TlsOptions): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = tls ? createTlsServer(tls, handler) : createServer(handler);
    this.url = await listenLoopback(this.server, port, tls ? 'https' : 'http');
    return this;
  }

  stop(): Promise<void> {
    return closeNow(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: req.method ?? '', url: url.pathname, headers: req.headers });
    const send = (status: number, value: unknown, etag = false) => {
      const text = JSON.stringify(value);
      const tag = `"${createHash('sha1').update(text).digest('hex')}"`;
      if (etag && req.headers['if-none-match'] === tag) {
        this.notModified++;
        res.writeHead(304, { etag: tag }).end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', ...(etag ? { etag: tag } : {}) }).end(text);
    };
    if (url.pathname === '/echo') return send(200, { headers: req.headers, body });
    if ([...this.failing].some((f) => url.pathname === f || (f.endsWith('/') && url.pathname.startsWith(f)))) {
      return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    }
    if (this.mode === '500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    if (this.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && p === '/api/v1/systems') return send(200, [...this.systems.values()], true);
    if (req.method === 'GET' && p === '/api/v1/policies') {
      return send(200, Object.keys(this.executions).map((id) => ({ id, description: id, enabled: true })), true);
    }
    if (req.method === 'GET' && (m = /^\/api\/v1\/policies\/([^/]+)\/executions$/.exec(p))) {
      return send(200, this.executions[decodeURIComponent(m[1]!)] ?? [], true);
    }
    if (req.method === 'GET' && p === '/api/v1/chaos') return send(200, [...this.chaos.values()], true);
    if (req.method === 'POST' && p === '/api/v1/chaos') {
      const input = JSON.parse(body) as { id?: string; system: string; fault: string; duration: number; params?: unknown };
      if (!['CONNECTION_LOSS', 'LATENCY', 'ERROR_RATE'].includes(input.fault)) return send(400, { error: `unknown fault ${input.fault}` });
      const id = this.ignoreChaosId || !input.id ? `cp-${this.chaos.size + 1}` : input.id;
      const chaos: FakeChaos = { id, system: input.system, fault: input.fault, status: 'ACTIVE', startedAt: new Date().toISOString(), endedAt: null, duration: input.duration, params: input.params };
      this.chaos.set(id, chaos);
      setTimeout(() => this.endChaos(id), input.duration * 1000).unref();
      return send(201, { id, status: 'ACTIVE' });
    }
    if ((m = /^\/api\/v1\/chaos\/([^/]+)$/.exec(p))) {
      const c = this.chaos.get(decodeURIComponent(m[1]!));
      if (!c) return send(404, { error: 'unknown chaos' });
      if (req.method === 'DELETE') this.endChaos(c.id, 'CANCELLED');
      return send(200, c);
    }
    if (req.method === 'GET' && p === '/api/v1/drift') {
      return send(200, [...this.desired.entries()].map(([resource, desired]) => ({ resource, desired, actual: 100, drifted: desired !== 100 })), true);
    }
    if ((m = /^\/api\/v1\/desired\/([^/]+)$/.exec(p))) {
      const resource = decodeURIComponent(m[1]!);
      if (req.method === 'PUT') {
        this.desired.set(resource, JSON.parse(body));
        return send(200, this.desired.get(resource));
      }
      return this.desired.has(resource) ? send(200, this.desired.get(resource)) : send(404, { error: 'unknown resource' });
    }
    if (req.method === 'GET' && p === '/api/v1/reconciliations') return send(200, this.reconciliations, true);
    send(404, { error: `no route ${req.method} ${p}` });
  }
}
