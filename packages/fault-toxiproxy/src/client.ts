/**
 * A minimal client of Toxiproxy's HTTP API (https://github.com/Shopify/toxiproxy#http-api), on undici: the five
 * calls the actions need. Each request closes its connection (`reset`), so no socket outlives an action and
 * nothing needs closing.
 */
import { excerpt, TesterError, onFirstUse } from '@tester/core';
import { describeNetworkError } from '@tester/core/http';
import type * as Undici from 'undici';
import type { ToxiproxyConfig } from './options';

/** undici, loaded on the first request (over 100 ms of module loading): loading the plugin to validate scenarios never loads it. */
const loadUndici = onFirstUse((): Promise<typeof Undici> => import('undici'));

/** The code a failed call raises: the action's, or the rollback's when it undoes a fault. */
export type CallFailure = 'ACTION_FAILED' | 'ROLLBACK_FAILED';

/** A toxic as Toxiproxy reports it. */
export interface ToxicInfo {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, number>;
}

/** A proxy as Toxiproxy reports it. */
export interface ProxyInfo {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicInfo[];
}

/** One answer of the API: status, parsed JSON body (or `undefined`) and a short excerpt for messages. */
export interface ApiAnswer {
  method: string;
  url: string;
  status: number;
  body: unknown;
  excerpt: string;
}

export class ToxiproxyClient {
  readonly baseUrl: string;

  constructor(private readonly config: Pick<ToxiproxyConfig, 'url' | 'requestTimeout'>) {
    this.baseUrl = config.url.replace(/\/+$/, '');
  }

  /** Sends one request. Network errors and timeouts throw `code`, naming the URL. */
  async call(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, code: CallFailure, signal?: AbortSignal): Promise<ApiAnswer> {
    const url = `${this.baseUrl}${path}`;
    const timeout = AbortSignal.timeout(this.config.requestTimeout);
    const { request } = await loadUndici();
    try {
      const response = await request(url, {
        method,
        reset: true,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headersTimeout: this.config.requestTimeout,
        bodyTimeout: this.config.requestTimeout,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.body.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { method, url, status: response.statusCode, body: parsed, excerpt: excerpt(text, 200) };
    } catch (error) {
      throw new TesterError(code, `${method} ${url} failed: ${describeNetworkError(error)}. Is Toxiproxy running there (node scripts/stack.mjs up, or toxiproxy-server)?`, {
        cause: error,
        context: { url },
      });
    }
  }

  /** The proxy, or `undefined` when Toxiproxy has none of that name. */
  async proxy(name: string, code: CallFailure, signal?: AbortSignal): Promise<ProxyInfo | undefined> {
    const answer = await this.call('GET', `/proxies/${encodeURIComponent(name)}`, undefined, code, signal);
    if (answer.status === 404) return undefined;
    expect(answer, [200], code, 'Check the Toxiproxy URL.');
    return answer.body as ProxyInfo;
  }

  /** The names of every proxy, for "did you mean". */
  async proxyNames(code: CallFailure, signal?: AbortSignal): Promise<string[]> {
    const answer = await this.call('GET', '/proxies', undefined, code, signal);
    expect(answer, [200], code, 'Check the Toxiproxy URL.');
    return Object.keys((answer.body as Record<string, unknown> | undefined) ?? {});
  }

  /** The toxics of a proxy, or `undefined` when the proxy is gone. */
  async toxics(proxy: string, code: CallFailure, signal?: AbortSignal): Promise<ToxicInfo[] | undefined> {
    const answer = await this.call('GET', `/proxies/${encodeURIComponent(proxy)}/toxics`, undefined, code, signal);
    if (answer.status === 404) return undefined;
    expect(answer, [200], code, 'Check the Toxiproxy URL.');
    return answer.body as ToxicInfo[];
  }

  /** Creates a toxic; returns it as Toxiproxy stored it. */
  async addToxic(proxy: string, toxic: ToxicInfo, signal?: AbortSignal): Promise<{ toxic: ToxicInfo; answer: ApiAnswer }> {
    const answer = await this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, toxic, 'ACTION_FAILED', signal);
    expect(answer, [200, 201], 'ACTION_FAILED', 'Check the toxic type and attributes against Toxiproxy.');
    return { toxic: answer.body as ToxicInfo, answer };
  }

  /** Removes a toxic. `false` when it (or its proxy) was already gone; both are fine for an undo. */
  async removeToxic(proxy: string, toxic: string, signal?: AbortSignal): Promise<boolean> {
    const answer = await this.call('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`, undefined, 'ROLLBACK_FAILED', signal);
    if (answer.status === 404) return false;
    expect(answer, [200, 204], 'ROLLBACK_FAILED', `Remove the toxic by hand: curl -X DELETE ${answer.url}`);
    return true;
  }

  /** Enables or disables a proxy; returns it as Toxiproxy reports it afterwards (`undefined`: no such proxy). */
  async setEnabled(proxy: string, enabled: boolean, code: CallFailure, signal?: AbortSignal): Promise<ProxyInfo | undefined> {
    const answer = await this.call('POST', `/proxies/${encodeURIComponent(proxy)}`, { enabled }, code, signal);
    if (answer.status === 404) return undefined;
    expect(answer, [200], code, `Set it by hand: curl -X POST ${answer.url} -d '{"enabled": ${enabled}}'`);
    return answer.body as ProxyInfo;
  }
}

/** `POST url -> 400 ("excerpt")`. */
export function describeAnswer(answer: ApiAnswer): string {
  return `${answer.method} ${answer.url} -> ${answer.status} (${JSON.stringify(answer.excerpt)})`;
}

function expect(answer: ApiAnswer, ok: readonly number[], code: CallFailure, fix: string): void {
  if (ok.includes(answer.status)) return;
  throw new TesterError(code, `${describeAnswer(answer)}: expected ${ok.join(' or ')}. ${fix}`, { context: { url: answer.url, status: answer.status } });
}
