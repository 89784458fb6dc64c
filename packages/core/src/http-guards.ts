/**
 * The guards every plugin that talks HTTP applies alike: only loopback addresses (or hosts the user allowed by name)
 * are ever targets, and bearer or basic credentials come from the config or the environment and never leave as text.
 * One implementation, so the REST observer, the Prometheus observer and a third-party plugin refuse the same hosts
 * with the same words.
 */
import { z } from 'zod';
import { ErrorCodes, TesterError } from './errors';
import type { Redactor } from './redact';

/** `true` for 127.0.0.0/8, `localhost` and `::1` (bracketed or not, any case). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether tester may send a request to `url`: http(s), to a loopback host or one of `allowedHosts`. */
export function isAllowedUrl(url: string | URL, allowedHosts: readonly string[] = []): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && (isLoopbackHost(parsed.hostname) || allowedHosts.includes(parsed.hostname));
}

/**
 * Throws `CONFIG_INVALID` unless {@link isAllowedUrl}. `where` is the place for the message
 * (`@tester/observer-api config baseUrl`), `what` names the service in the fix (`the control plane`).
 */
export function assertAllowedUrl(url: string | URL, allowedHosts: readonly string[], where: string, what: string): void {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TesterError(ErrorCodes.CONFIG_INVALID, `${where}: ${parsed.protocol} is not supported; use http: or https:.`);
  }
  if (isAllowedUrl(parsed, allowedHosts)) return;
  throw new TesterError(
    ErrorCodes.CONFIG_INVALID,
    `${where}: host "${parsed.hostname}" is not a loopback address; add it to allowedHosts if ${what} really lives there.`,
  );
}

/**
 * The zod schema of an `auth` option: `{ type: bearer, token? , tokenEnv }` or `{ type: basic, username, password?,
 * passwordEnv }`, the secret read from the environment variable when not written. `env` names the variables' defaults.
 */
export function httpAuthSchema(env: { tokenEnv: string; passwordEnv: string }) {
  return z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('bearer'),
      /** The token. Omit it to read it from `tokenEnv`. */
      token: z.string().min(1).optional(),
      tokenEnv: z.string().default(env.tokenEnv),
    }),
    z.strictObject({
      type: z.literal('basic'),
      username: z.string().min(1),
      /** The password. Omit it to read it from `passwordEnv`. */
      password: z.string().optional(),
      passwordEnv: z.string().default(env.passwordEnv),
    }),
  ]);
}

/** A parsed `auth` option (see {@link httpAuthSchema}). */
export type HttpAuth = z.output<ReturnType<typeof httpAuthSchema>>;

/**
 * The `Authorization` header for `auth` (`undefined` without auth). Every secret it uses (the token, the password,
 * the encoded pair) is added to `redactor`. Throws `CONFIG_INVALID` when bearer auth has no token; `where` is the
 * place for that message (`@tester/observer-api config`).
 */
export function httpAuthorization(
  auth: HttpAuth | undefined,
  options: { where: string; redactor: Redactor; env?: Record<string, string | undefined> },
): string | undefined {
  if (!auth) return undefined;
  const env = options.env ?? process.env;
  if (auth.type === 'bearer') {
    const token = auth.token ?? env[auth.tokenEnv];
    if (!token) {
      throw new TesterError(
        ErrorCodes.CONFIG_INVALID,
        `${options.where} auth.token: bearer auth is configured but neither auth.token nor $${auth.tokenEnv} is set; set one of them.`,
      );
    }
    options.redactor.add(token);
    return `Bearer ${token}`;
  }
  const password = auth.password ?? env[auth.passwordEnv] ?? '';
  const encoded = Buffer.from(`${auth.username}:${password}`).toString('base64');
  options.redactor.add(password);
  options.redactor.add(encoded);
  return `Basic ${encoded}`;
}

/**
 * What went wrong with a request that got no answer, in one line: the system error's code and message
 * (`ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9090` is said once: `connect ECONNREFUSED 127.0.0.1:9090`), read
 * through undici's and fetch's `cause`.
 */
export function describeNetworkError(error: unknown): string {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const message = String(e.cause?.message ?? e.message ?? error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
