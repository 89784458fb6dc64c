/** The plugin's HTTP side: one keep-alive undici Agent, auth, per-request timeouts, loopback guard, redaction. */
import { Redactor } from '@tester/core';
import { Agent, request } from 'undici';
import type { PrometheusConfig } from './config';
import { PrometheusPluginError } from './errors';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

export interface TextResponse {
  url: string;
  status: number;
  text: string;
  contentType: string;
}

/** No HTTP answer at all (refused, reset, timed out). */
export class Unreachable extends Error {}

export class PromHttp {
  readonly redactor = new Redactor();
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
  private readonly auth: string | undefined;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly runId: string,
    env: Record<string, string | undefined> = process.env,
  ) {
    for (const url of [config.url, ...config.scrape]) if (url) this.check(new URL(url));
    const auth = config.auth;
    if (auth?.type === 'bearer') {
      const token = auth.token ?? env[auth.tokenEnv];
      if (!token) {
        throw new PrometheusPluginError('CONFIG_INVALID', `@tester/observer-prometheus config auth.token: bearer auth is configured but neither auth.token nor $${auth.tokenEnv} is set; set one of them.`);
      }
      this.redactor.add(token);
      this.secretValues.push(token);
      this.auth = `Bearer ${token}`;
    } else if (auth?.type === 'basic') {
      const password = auth.password ?? env[auth.passwordEnv] ?? '';
      const encoded = Buffer.from(`${auth.username}:${password}`).toString('base64');
      this.redactor.add(password);
      this.redactor.add(encoded);
      this.secretValues.push(encoded, ...(password ? [password] : []));
      this.auth = `Basic ${encoded}`;
    }
  }

  private readonly secretValues: string[] = [];

  /** Every secret (token, password, encoded basic credentials), for `ctx.registerSecret`. */
  secrets(): string[] {
    return [...this.secretValues];
  }

  /** Whether tester may talk to `url`'s host: a loopback address, or one of `allowedHosts`. */
  allows(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && (LOOPBACK.test(parsed.hostname) || this.config.allowedHosts.includes(parsed.hostname));
  }

  private check(url: URL): void {
    if (this.allows(url.href)) return;
    throw new PrometheusPluginError('CONFIG_INVALID', `@tester/observer-prometheus config: host "${url.hostname}" is not a loopback address; add it to allowedHosts if Prometheus really lives there.`);
  }

  /**
   * GET `url`; resolves for every status, rejects with {@link Unreachable} when no answer came. `withAuth: false`
   * for a scrape target read directly: Prometheus's credentials are for Prometheus, never sent elsewhere.
   */
  async get(url: string, signal: AbortSignal, accept = 'application/json', withAuth = true): Promise<TextResponse> {
    const timeout = AbortSignal.timeout(this.config.requestTimeout);
    const headers: Record<string, string> = { accept, 'x-tester-run': this.runId };
    if (this.auth && withAuth) headers.authorization = this.auth;
    try {
      const response = await request(url, { method: 'GET', headers, signal: AbortSignal.any([signal, timeout]), dispatcher: this.agent });
      const text = await response.body.text();
      const contentType = String(response.headers['content-type'] ?? '');
      return { url, status: response.statusCode, text, contentType };
    } catch (error) {
      if (signal.aborted) throw error;
      const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
      const why = timeout.aborted ? `no answer within ${this.config.requestTimeout} ms` : [e.code ?? e.cause?.code, e.cause?.message ?? e.message].filter(Boolean).join(' ');
      throw new Unreachable(this.redactor.text(`GET ${url}: ${why}`));
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** A short, redacted excerpt for messages. */
export function excerpt(redactor: Redactor, text: string, max = 120): string {
  const t = redactor.text(text);
  return JSON.stringify(t.length > max ? `${t.slice(0, max)}…` : t);
}
