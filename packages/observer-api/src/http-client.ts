/**
 * The one HTTP client of a plugin instance: a keep-alive undici Agent, per-request timeouts, auth, TLS,
 * `X-Tester-Run` on every request, conditional GETs (ETag / If-None-Match) and redaction of secrets in
 * anything it reports.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { ApiConfig } from './config';
import { ApiPluginError } from './errors';
import { Secrets } from './secrets';

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

/** A request that did not get an HTTP answer (refused, reset, timeout). */
export class TransportError extends ApiPluginError {
  constructor(message: string, context: Record<string, unknown>, cause?: unknown) {
    super('ACTION_FAILED', message, { retriable: true, context, cause });
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/** Throws unless `url` is loopback or its host is allowed. */
export function assertAllowedUrl(url: URL, allowedHosts: readonly string[], where: string): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ApiPluginError('CONFIG_INVALID', `${where}: ${url.protocol} is not supported; use http: or https:.`);
  }
  if (LOOPBACK.test(url.hostname) || allowedHosts.includes(url.hostname)) return;
  throw new ApiPluginError(
    'CONFIG_INVALID',
    `${where}: host "${url.hostname}" is not a loopback address; add it to allowedHosts if the control plane really lives there.`,
  );
}

function pem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

/** Resolves the auth header from config and environment, registering every secret in `secrets`. */
function authorization(config: ApiConfig, env: Record<string, string | undefined>, secrets: Secrets): string | undefined {
  const auth = config.auth;
  if (!auth) return undefined;
  if (auth.type === 'bearer') {
    const token = auth.token ?? env[auth.tokenEnv];
    if (!token) {
      throw new ApiPluginError(
        'CONFIG_INVALID',
        `@tester/observer-api config auth.token: bearer auth is configured but neither auth.token nor $${auth.tokenEnv} is set; set one of them.`,
      );
    }
    secrets.add(token);
    return `Bearer ${token}`;
  }
  const password = auth.password ?? env[auth.passwordEnv] ?? '';
  secrets.add(password);
  const encoded = Buffer.from(`${auth.username}:${password}`).toString('base64');
  secrets.add(encoded);
  return `Basic ${encoded}`;
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
  readonly secrets = new Secrets();
  readonly baseUrl: URL;
  private readonly agent: Agent;
  private readonly auth: string | undefined;
  private readonly etags = new Map<string, { etag: string; text: string }>();
  private runId: string | undefined;

  constructor(
    private readonly config: ApiConfig,
    env: Record<string, string | undefined> = process.env,
  ) {
    this.baseUrl = new URL(config.baseUrl);
    if (this.baseUrl.password) this.secrets.add(decodeURIComponent(this.baseUrl.password));
    assertAllowedUrl(this.baseUrl, config.allowedHosts, '@tester/observer-api config baseUrl');
    this.auth = authorization(config, env, this.secrets);
    const tls = config.tls;
    const key = pem(tls?.key);
    this.secrets.add(key);
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 16,
      connect: tls
        ? { ca: pem(tls.ca), cert: pem(tls.cert), key, rejectUnauthorized: !tls.insecure }
        : undefined,
    });
  }

  /** The run whose id goes into the run header. */
  setRunId(runId: string): void {
    this.runId = runId;
  }

  /** Resolves a path against the base URL (or checks an absolute URL against the allowed hosts). */
  resolve(pathOrUrl: string): URL {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      assertAllowedUrl(url, [...this.config.allowedHosts, this.baseUrl.hostname], `request to ${this.secrets.redact(pathOrUrl)}`);
      return url;
    }
    const base = this.baseUrl.href.endsWith('/') ? this.baseUrl.href : `${this.baseUrl.href}/`;
    return new URL(pathOrUrl.replace(/^\//, ''), base);
  }

  /** Sends one request. Resolves for every HTTP status; rejects with {@link TransportError} when no answer came. */
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
    const where = `${method} ${this.secrets.redact(href)}`;
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
        : this.secrets.redact(describeError(error));
      throw new TransportError(`${where}: ${reason}`, { url: this.secrets.redact(href), method });
    }
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}

function describeError(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

/** Parses a JSON body, or returns an error description that names the URL and shows an excerpt. */
export function parseJson(response: HttpResponse, secrets: Secrets): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(response.text) };
  } catch {
    return {
      ok: false,
      reason: `${response.method} ${secrets.redact(response.url)} -> ${response.status}: body is not JSON (${JSON.stringify(excerpt(response.text, secrets, 80))})`,
    };
  }
}

/** A short, redacted excerpt of a body for references and messages. */
export function excerpt(text: string, secrets: Secrets, max = 300): string {
  const redacted = secrets.redact(text);
  return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
}
