/** What the CHAOS, HTTP and DRIFT actions share: a client bound to the run, and status checks. */
import { excerpt, TesterError, type PluginContext } from '@tester/core';
import type { ApiConfig } from '../config';
import { HttpClient, type HttpResponse } from '../http-client';

/** A client for one action run: carries the run id and registers every secret with the runtime. */
export function actionClient(ctx: PluginContext<unknown>, config: ApiConfig): HttpClient {
  const client = new HttpClient(config);
  client.setRunId(ctx.runId);
  for (const secret of client.redactor.list()) ctx.registerSecret(secret);
  return client;
}

/** `GET url -> 500 ("excerpt")`, redacted. */
export function describeResponse(client: HttpClient, response: HttpResponse): string {
  return `${response.method} ${client.redactor.text(response.url)} -> ${response.status} (${JSON.stringify(excerpt(response.text, 200, client.redactor))})`;
}

/** Throws `code` unless the status is one of `ok`. */
export function expectStatus(
  client: HttpClient,
  response: HttpResponse,
  ok: readonly number[],
  code: 'ACTION_FAILED' | 'ROLLBACK_FAILED',
  fix: string,
): void {
  if (ok.includes(response.status)) return;
  throw new TesterError(code, `${describeResponse(client, response)}: expected ${ok.join(' or ')}. ${fix}`, {
    context: { url: client.redactor.text(response.url), status: response.status },
  });
}

/** Parses a JSON body or throws `code` naming the URL. */
export function jsonBody(client: HttpClient, response: HttpResponse, code: 'ACTION_FAILED' | 'ROLLBACK_FAILED'): unknown {
  try {
    return JSON.parse(response.text);
  } catch {
    throw new TesterError(code, `${describeResponse(client, response)}: the body is not JSON; is baseUrl pointing at the control plane?`);
  }
}

/** Converts an epoch-ms time from the source into the run clock's time. */
export function clockFromWall(ctx: PluginContext<unknown>, wall: number): number {
  return ctx.clock.now() - (ctx.clock.wallNow() - wall);
}
