/**
 * The one HTTP client of a plugin instance: a keep-alive undici Agent, per-request timeouts, auth, TLS,
 * `X-Tester-Run` on every request, conditional GETs (ETag / If-None-Match) and redaction of secrets in
 * anything it reports. The loopback and auth guards and the redaction are core's, as for every HTTP plugin.
 */
import { readFileSync } from 'node:fs';
import { excerpt, Redactor, TesterError, onFirstUse } from '@tester/core';
import { assertAllowedUrl, describeNetworkError, httpAuthorization } from '@tester/core/http';
import type * as Undici from 'undici';
import type { Agent } from 'undici';
import { API_CONFIG_PLACE, type ApiConfig } from './config';

/**
 * undici, loaded on the first request (over 100 ms of module loading): loading the plugin to validate, list or
 * plan scenarios never loads it.
 */
const loadUndici = onFirstUse((): Promise<typeof Undici> => import('undici'));

/** A response with its body read. */
export interface HttpResponse {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** `true` when the server answered 304 and `text` is the cached body. */
  notModified: boolean;
}

function pem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send If-None-Match with the last ETag of this URL and serve the cached body on 304. */
  conditional?: boolean;
  /** Overrides the configured per-request timeout (ms). */
  timeoutMs?: number;
}

export class HttpClient {
  /** Every secret this client knows (credentials, the TLS key, headers marked secret), replaced in what it reports. */
  readonly redactor = new Redactor();
  readonly baseUrl: URL;
  /** Made on the first request, with undici. */
  private agent: Agent | undefined;
  private closed = false;
  private readonly connect: Agent.Options['connect'];
  private readonly auth: string | undefined;
  private readonly etags = new Map<string, { etag: string; text: string }>();
  private runId: string | undefined;

  constructor(
    private readonly config: ApiConfig,
    env: Record<string, string | undefined> = process.env,
  ) {
    this.baseUrl = new URL(config.baseUrl);
    if (this.baseUrl.password) this.redactor.add(decodeURIComponent(this.baseUrl.password));
    assertAllowedUrl(this.baseUrl, config.allowedHosts, `${API_CONFIG_PLACE} baseUrl`, 'the control plane');
    this.auth = httpAuthorization(config.auth, { where: API_CONFIG_PLACE, redactor: this.redactor, env });
    const tls = config.tls;
    const key = pem(tls?.key);
    this.redactor.add(key);
    // The TLS files are read now, so that a missing one is a config error before anything runs.
    this.connect = tls ? { ca: pem(tls.ca), cert: pem(tls.cert), key, rejectUnauthorized: !tls.insecure } : undefined;
  }

  /** The run whose id goes into the run header. */
  setRunId(runId: string): void {
    this.runId = runId;
  }

  /** Resolves a path against the base URL (or checks an absolute URL against the allowed hosts). */
  resolve(pathOrUrl: string): URL {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      assertAllowedUrl(url, [...this.config.allowedHosts, this.baseUrl.hostname], `request to ${this.redactor.text(pathOrUrl)}`, 'the control plane');
      return url;
    }
    const base = this.baseUrl.href.endsWith('/') ? this.baseUrl.href : `${this.baseUrl.href}/`;
    return new URL(pathOrUrl.replace(/^\//, ''), base);
  }

  /** Sends one request. Resolves for every HTTP status; rejects with `ACTION_FAILED` naming the request when no answer came (refused, reset, timeout). */
  async request(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const url = this.resolve(pathOrUrl);
    const href = url.href;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.runId) headers[this.config.runHeader] = this.runId;
    if (this.auth && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = this.auth;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const cached = options.conditional ? this.etags.get(href) : undefined;
    if (cached) headers['if-none-match'] = cached.etag;
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeout;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const where = `${method} ${this.redactor.text(href)}`;
    const { request, Agent } = await loadUndici();
    if (!this.agent) {
      this.agent = new Agent({ keepAliveTimeout: 10_000, connections: 16, connect: this.connect });
      // Closed while undici loaded (a session stopped before its first answer): the agent starts closed, so this
      // request fails as any after close() does, and no connection outlives the client.
      if (this.closed) void this.agent.close();
    }
    try {
      const response = await request(url, { method: method as 'GET', headers, body, signal, dispatcher: this.agent });
      const text = await response.body.text();
      if (response.statusCode === 304 && cached) {
        return { method, url: href, status: 200, headers: response.headers, text: cached.text, notModified: true };
      }
      const etag = response.headers.etag;
      if (options.conditional && response.statusCode === 200 && typeof etag === 'string') this.etags.set(href, { etag, text });
      return { method, url: href, status: response.statusCode, headers: response.headers, text, notModified: false };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = timeout.aborted
        ? `no answer within ${timeoutMs} ms`
        : this.redactor.text(describeNetworkError(error));
      throw new TesterError('ACTION_FAILED', `${where}: ${reason}`, { context: { url: this.redactor.text(href), method } });
    }
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.agent?.close();
  }
}

/** Parses a JSON body, or returns an error description that names the URL and shows an excerpt. */
export function parseJson(response: HttpResponse, redactor: Redactor): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(response.text) };
  } catch {
    return {
      ok: false,
      reason: `${response.method} ${redactor.text(response.url)} -> ${response.status}: body is not JSON (${JSON.stringify(excerpt(response.text, 80, redactor))})`,
    };
  }
}
