/** What the TOXIC and PROXY_DOWN actions share: the proxy lookup, the ledger entry's shape, the client of an entry. */
import { didYouMean, type PluginContext, TesterError } from '@tester/core';
import { ToxiproxyClient, type ProxyInfo } from '../client';
import { assertAllowedUrl, type ToxiproxyConfig } from '../options';

/** What TOXIC and PROXY_DOWN write to the ledger: enough for `recover` to undo it without the scenario. */
export interface ToxiproxyLedgerData {
  /** Toxiproxy's API. */
  url: string;
  proxy: string;
  system: string;
  /** TOXIC: the toxic's unique name (the only one recover removes). */
  toxic?: string;
  /** TOXIC: its type. */
  type?: string;
}

/** The proxy, or ACTION_FAILED naming the proxies Toxiproxy has (with "did you mean"). */
export async function requireProxy(client: ToxiproxyClient, name: string, signal: AbortSignal): Promise<ProxyInfo> {
  const proxy = await client.proxy(name, 'ACTION_FAILED', signal);
  if (proxy) return proxy;
  const names = await client.proxyNames('ACTION_FAILED', signal).catch(() => [] as string[]);
  const suggestion = didYouMean(name, names);
  throw new TesterError(
    'ACTION_FAILED',
    `Toxiproxy at ${client.baseUrl} has no proxy "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; it has ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'none'}. ` +
      `Create it first (POST ${client.baseUrl}/proxies {"name": "${name}", "listen": "127.0.0.1:<port>", "upstream": "127.0.0.1:<port>"}).`,
  );
}

/** A client for a ledger entry: the URL it recorded, checked against the loopback rule of the current config. */
export function recoverClient(ctx: PluginContext<ToxiproxyConfig>, url: string): ToxiproxyClient {
  const base = ctx.config;
  assertAllowedUrl(url, base.allowNonLoopback);
  return new ToxiproxyClient({ url, requestTimeout: base.requestTimeout });
}
