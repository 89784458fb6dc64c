/**
 * A restarted process's readiness: a TCP port that accepts a connection, or an HTTP URL that answers 2xx/3xx.
 * Loopback only: the process runs on this machine. Waits are deadlines on the run's clock, never sleeps.
 */
import { Socket } from 'node:net';
import type * as Undici from 'undici';
import { z, type Clock, TesterError, onFirstUse } from '@tester/core';
import { isLoopbackHost } from '@tester/core/http';

/** undici, loaded on the first request (over 100 ms of module loading): loading the plugin to validate scenarios never loads it. */
const loadUndici = onFirstUse((): Promise<typeof Undici> => import('undici'));

const loopbackTcp = z
  .string()
  .regex(/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, such as 127.0.0.1:3306')
  .refine((v) => isLoopbackHost(v.slice(0, v.lastIndexOf(':'))), 'the readiness check must be on loopback (127.0.0.1, localhost, [::1])');
const loopbackHttp = z
  .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:8080/health' })
  .refine((v) => isLoopbackHost(new URL(v).hostname), 'the readiness check must be on loopback (127.0.0.1, localhost, [::1])');

/** `{ tcp: '127.0.0.1:3306' }` or `{ http: 'http://127.0.0.1:8080/health' }`. */
export const readinessSchema = z.union([z.strictObject({ tcp: loopbackTcp }), z.strictObject({ http: loopbackHttp })]);
export type Readiness = z.output<typeof readinessSchema>;

export function describeReadiness(ready: Readiness): string {
  return 'tcp' in ready ? `tcp ${ready.tcp}` : `GET ${ready.http}`;
}

/** One check: does it answer now? */
export async function answers(ready: Readiness, timeoutMs = 1000): Promise<boolean> {
  if ('tcp' in ready) {
    const cut = ready.tcp.lastIndexOf(':');
    const host = ready.tcp.slice(0, cut).replace(/^\[|\]$/g, '');
    const port = Number(ready.tcp.slice(cut + 1));
    return new Promise((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('error', () => done(false));
      socket.connect(port, host, () => done(true));
    });
  }
  const { request } = await loadUndici();
  try {
    const response = await request(ready.http, { method: 'GET', reset: true, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 400;
  } catch {
    return false;
  }
}

/**
 * Resolves once `ready` answers; rejects with `TIMEOUT` at `deadline` (clock time), or when `failIf` returns a
 * reason (the restarted process exited), or when the signal aborts.
 */
export async function waitReady(
  ready: Readiness,
  opts: { clock: Clock; deadline: number; intervalMs: number; signal?: AbortSignal; what: string; failIf?: () => string | undefined },
): Promise<void> {
  for (;;) {
    if (await answers(ready)) return;
    const failure = opts.failIf?.();
    if (failure) throw new TesterError('ACTION_FAILED', `${opts.what}: ${failure} before ${describeReadiness(ready)} answered`);
    if (opts.clock.now() >= opts.deadline) throw new TesterError('TIMEOUT', `${opts.what}: ${describeReadiness(ready)} did not answer in time`);
    await opts.clock.until(Math.min(opts.deadline, opts.clock.now() + opts.intervalMs), opts.signal);
  }
}
