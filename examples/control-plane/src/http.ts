import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ControlPlane } from './app.js';
import { RequestError } from './chaos.js';
import { POLICIES } from './policies.js';

const MAX_BODY = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RequestError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Sends JSON; GETs carry an ETag and answer 304 to a matching If-None-Match. */
function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' };
  if (req.method === 'GET' && status === 200) {
    const etag = `"${createHash('sha1').update(text).digest('base64url').slice(0, 22)}"`;
    headers.etag = etag;
    const match = req.headers['if-none-match'];
    if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      res.writeHead(304, headers).end();
      return;
    }
  }
  res.writeHead(status, headers).end(text);
}

/** The REST API (TEAM.md's contract), `/health` and `/metrics`. */
export function createApi(cp: ControlPlane): Server {
  return createServer((req, res) => {
    cp.metrics.httpRequests.inc({ method: req.method ?? 'GET', resource: resourceOf(req.url) });
    handle(cp, req, res).catch((error: unknown) => {
      const status = error instanceof RequestError ? error.status : 500;
      if (status === 500) cp.log(`http: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) send(req, res, status, { error: (error as Error).message });
      else res.end();
    });
  });
}

/** A bounded label: the first path segment after /api/v1 (`systems`, `chaos`, ...), or the path for the others. */
function resourceOf(url: string | undefined): string {
  const parts = new URL(url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts[1] === 'v1') return KNOWN.has(parts[2] ?? '') ? (parts[2] as string) : 'other';
  return parts[0] === 'health' || parts[0] === 'metrics' ? parts[0] : 'other';
}
const KNOWN = new Set(['systems', 'policies', 'chaos', 'drift', 'desired', 'reconciliations']);

async function handle(cp: ControlPlane, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const runHeader = req.headers['x-tester-run'];
  const runId = typeof runHeader === 'string' && runHeader ? runHeader : null;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const allow = (...methods: string[]) => {
    if (!methods.includes(method)) throw new RequestError(405, `${method} ${path}: allowed ${methods.join(', ')}`);
  };

  if (path === '/health') {
    allow('GET');
    return send(req, res, 200, { status: 'ok', systems: cp.systems.size, kafkaPublished: cp.events.published });
  }
  if (path === '/metrics') {
    allow('GET');
    const text = await cp.metrics.exposition();
    res.writeHead(200, { 'content-type': cp.metrics.contentType }).end(text);
    return;
  }
  if (parts[0] !== 'api' || parts[1] !== 'v1') throw new RequestError(404, `no route ${method} ${path}; the API is under /api/v1`);
  const [, , resource, id, sub] = parts;

  switch (resource) {
    case 'systems': {
      allow('GET');
      if (!id) return send(req, res, 200, [...cp.systems.values()].map((s) => s.toJSON()));
      const system = cp.systems.get(id);
      if (!system) throw new RequestError(404, `no system "${id}"; known: ${[...cp.systems.keys()].join(', ')}`);
      return send(req, res, 200, system.toJSON());
    }
    case 'policies': {
      allow('GET');
      if (!id) return send(req, res, 200, POLICIES);
      const executions = cp.policies.list(id);
      if (!executions) throw new RequestError(404, `no policy "${id}"; known: ${POLICIES.map((p) => p.id).join(', ')}`);
      if (!sub) return send(req, res, 200, POLICIES.find((p) => p.id === id));
      if (sub !== 'executions') throw new RequestError(404, `no route ${path}`);
      return send(req, res, 200, executions);
    }
    case 'chaos': {
      if (!id) {
        allow('GET', 'POST');
        if (method === 'GET') return send(req, res, 200, cp.chaos.list());
        const { record, created } = await cp.chaos.start(await readJson(req));
        return send(req, res, created ? 201 : 200, { id: record.id, status: record.status });
      }
      allow('GET', 'DELETE');
      const record = method === 'DELETE' ? cp.chaos.end(id, 'CANCELLED') : cp.chaos.get(id);
      if (!record) throw new RequestError(404, `no chaos "${id}"`);
      return send(req, res, 200, record);
    }
    case 'drift':
      allow('GET');
      return send(req, res, 200, await cp.drift.entries());
    case 'desired': {
      if (!id) throw new RequestError(404, 'use /api/v1/desired/{resource}');
      allow('GET', 'PUT');
      if (method === 'GET') return send(req, res, 200, cp.drift.getDesired(id));
      const value = await readJson(req);
      await cp.drift.setDesired(id, value, runId);
      return send(req, res, 200, { resource: id, desired: value });
    }
    case 'reconciliations':
      allow('GET');
      return send(req, res, 200, cp.drift.reconciliations());
    default:
      throw new RequestError(404, `no route ${method} ${path}`);
  }
}
