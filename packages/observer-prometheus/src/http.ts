/**
 * The plugin's HTTP side: one keep-alive undici Agent, per-request timeouts, and core's loopback and auth guards and
 * redaction.
 */
import { Redactor, onFirstUse } from '@tester/core';
import { assertAllowedUrl, describeNetworkError, httpAuthorization, isAllowedUrl } from '@tester/core/http';
import type * as Undici from 'undici';
import type { Agent } from 'undici';
import { PROMETHEUS_CONFIG_PLACE, type PrometheusConfig } from './config';

/**
 * undici, loaded on the first request (over 100 ms of module loading): loading the plugin to validate, list or
 * plan scenarios never loads it.
 */
const loadUndici = onFirstUse((): Promise<typeof Undici> => import('undici'));

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
  /** Made on the first request, with undici. */
  private agent: Agent | undefined;
  private closed = false;
  private readonly auth: string | undefined;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly runId: string,
    env: Record<string, string | undefined> = process.env,
  ) {
    if (config.url) assertAllowedUrl(config.url, config.allowedHosts, `${PROMETHEUS_CONFIG_PLACE} url`, 'Prometheus');
    config.scrape.forEach((url, i) => assertAllowedUrl(url, config.allowedHosts, `${PROMETHEUS_CONFIG_PLACE} scrape[${i}]`, 'the scrape target'));
    this.auth = httpAuthorization(config.auth, { where: PROMETHEUS_CONFIG_PLACE, redactor: this.redactor, env });
  }

  /** Every secret (token, password, encoded basic credentials), for `ctx.registerSecret`. */
  secrets(): string[] {
    return this.redactor.list();
  }

  /** Whether tester may talk to `url`'s host: a loopback address, or one of `allowedHosts`. */
  allows(url: string): boolean {
    return isAllowedUrl(url, this.config.allowedHosts);
  }

  /**
   * GET `url`; resolves for every status, rejects with {@link Unreachable} when no answer came. `withAuth: false`
   * for a scrape target read directly: Prometheus's credentials are for Prometheus, never sent elsewhere.
   */
  async get(url: string, signal: AbortSignal, accept = 'application/json', withAuth = true): Promise<TextResponse> {
    const timeout = AbortSignal.timeout(this.config.requestTimeout);
    const headers: Record<string, string> = { accept, 'x-tester-run': this.runId };
    if (this.auth && withAuth) headers.authorization = this.auth;
    const { request, Agent } = await loadUndici();
    if (!this.agent) {
      this.agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
      // Closed while undici loaded (a session stopped before its first answer): the agent starts closed, so this
      // request fails as any after close() does, and no connection outlives the client.
      if (this.closed) void this.agent.close();
    }
    try {
      const response = await request(url, { method: 'GET', headers, signal: AbortSignal.any([signal, timeout]), dispatcher: this.agent });
      const text = await response.body.text();
      const contentType = String(response.headers['content-type'] ?? '');
      return { url, status: response.statusCode, text, contentType };
    } catch (error) {
      if (signal.aborted) throw error;
      const why = timeout.aborted ? `no answer within ${this.config.requestTimeout} ms` : describeNetworkError(error);
      throw new Unreachable(this.redactor.text(`GET ${url}: ${why}`));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.agent?.close();
  }
}
