/**
 * A JSON server on 127.0.0.1:0 that answers whatever a test puts in `routes` (path with query -> body), for the
 * shapes of third-party resources (a map of Kafka Connect connectors, one status object per URL). Real HTTP through
 * real undici: only the input of the observer is fake.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeNow, listenLoopback } from '../../../scripts/test-support/loopback-server.mjs';

/** What a route answers: a JSON body (status 200), or a status and a raw body. */
export type Answer = { json: unknown } | { status: number; text: string };

export class JsonServer {
  /** `/connectors?expand=status` -> answer; a path not here answers 404. */
  readonly routes = new Map<string, Answer | (() => Answer)>();
  /** The path (with query) of every request, in order. */
  readonly requests: string[] = [];
  private server: Server | undefined;
  url = '';

  /** Sets a route's JSON body. */
  json(path: string, body: unknown): this {
    this.routes.set(path, { json: body });
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.url = await listenLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeNow(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.requests.push(path);
    const route = this.routes.get(path);
    const answer = typeof route === 'function' ? route() : route;
    if (!answer) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 404, message: `no route ${path}` }));
    } else if ('json' in answer) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
    } else {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text);
    }
  }
}
