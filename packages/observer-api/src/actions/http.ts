/**
 * `HTTP`: any request to the control plane (or another allowed loopback URL), with expected status and body
 * matchers. A mismatch fails the action with what came back.
 */
import { regexProblem, z, type ActionDefinition, TesterError } from '@tester/core';
import { assertAllowedUrl } from '@tester/core/http';
import { durationSchema } from '@tester/core';
import type { ApiConfig } from '../config';
import { getPath, jsonEqual } from '../json-path';
import { actionClient, describeResponse } from './common';

const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|x-api-key|x-auth-token)$/i;

export const httpParamsSchema = z
  .strictObject({
    /** @default 'GET' */
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
    /** Path relative to `baseUrl` (`/api/v1/systems/mysql`). */
    path: z.string().min(1).optional(),
    /** Absolute URL instead of `path`: loopback or an allowed host only. */
    url: z.string().min(1).optional(),
    /** Request headers. `Authorization`, `Cookie` and API-key headers are treated as secrets. */
    headers: z.record(z.string(), z.string()).optional(),
    /** JSON body (a string is sent as is). */
    body: z.unknown().optional(),
    /** Per-request timeout; defaults to the plugin's `requestTimeout`. */
    timeout: durationSchema.optional(),
    expect: z
      .strictObject({
        /** Accepted status(es). @default any 2xx */
        status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional(),
        body: z
          .strictObject({
            /** The whole body: compared as JSON when it parses, else as text. */
            equals: z.unknown().optional(),
            /** A regular expression the body text must match (refused when invalid or prone to exponential backtracking). */
            regex: z
              .string()
              .superRefine((pattern, ctx) => {
                const problem = regexProblem(pattern);
                if (problem) ctx.addIssue({ code: 'custom', message: problem });
              })
              .optional(),
            /** Dotted JSON paths and the values they must hold (`{ "state": "CONNECTED", "items.0.id": "x" }`). */
            json: z.record(z.string(), z.unknown()).optional(),
          })
          .optional(),
      })
      .optional(),
  })
  .refine((p) => (p.path === undefined) !== (p.url === undefined), { message: 'give exactly one of path or url' });
export type HttpParams = z.output<typeof httpParamsSchema>;

/**
 * {@link httpParamsSchema} that also refuses, while the scenario is validated, an absolute URL whose host is not
 * loopback, not the control plane's and not in `allowedHosts`: the request would be refused at run time anyway,
 * after the fault was injected.
 */
export function httpParamsSchemaFor(config: ApiConfig) {
  return httpParamsSchema.superRefine((p, ctx) => {
    const target = p.url ?? p.path;
    const key = p.url === undefined ? 'path' : 'url';
    if (target === undefined || !/^[a-z][a-z0-9+.-]*:/i.test(target)) return;
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      ctx.addIssue({ code: 'custom', path: [key], message: 'expected an absolute http(s) URL such as http://127.0.0.1:8080/health' });
      return;
    }
    try {
      assertAllowedUrl(url, [...config.allowedHosts, new URL(config.baseUrl).hostname], `the request to ${url.origin}`, 'the control plane');
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${(error as Error).message.replace(/\.$/, '')} (api: { allowedHosts: [${url.hostname}] } in the config file)` });
    }
  });
}

/** Checks a response against `expect`; returns the problems found. */
export function checkResponse(status: number, text: string, expect: HttpParams['expect']): string[] {
  const problems: string[] = [];
  const statuses = expect?.status === undefined ? undefined : ([] as number[]).concat(expect.status);
  if (statuses ? !statuses.includes(status) : status < 200 || status > 299) {
    problems.push(`status ${status}, expected ${statuses ? statuses.join(' or ') : '2xx'}`);
  }
  const body = expect?.body;
  if (!body) return problems;
  let json: unknown;
  let isJson = false;
  try {
    json = JSON.parse(text);
    isJson = true;
  } catch {
    // Not JSON: text matchers still apply.
  }
  if (body.equals !== undefined) {
    const equal = isJson ? jsonEqual(json, body.equals) : text === body.equals;
    if (!equal) problems.push(`body is not equal to ${JSON.stringify(body.equals)}`);
  }
  if (body.regex !== undefined && !new RegExp(body.regex).test(text)) problems.push(`body does not match /${body.regex}/`);
  for (const [path, expected] of Object.entries(body.json ?? {})) {
    if (!isJson) {
      problems.push(`body is not JSON, so "${path}" cannot be read`);
      break;
    }
    const actual = getPath(json, path);
    if (!jsonEqual(actual, expected)) problems.push(`"${path}" is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
  return problems;
}

/** `HTTP`, whose schema refuses, at validation, an absolute URL the plugin's `config` would refuse at run time. */
export function httpAction(config: ApiConfig): ActionDefinition<HttpParams, ApiConfig> {
  return {
    schema: httpParamsSchemaFor(config),
    description: 'Sends an HTTP request and checks its status and body.',
    async run(ctx, p) {
      const client = actionClient(ctx, ctx.config);
      for (const [name, value] of Object.entries(p.headers ?? {})) {
        if (!SECRET_HEADERS.test(name)) continue;
        ctx.registerSecret(value);
        client.redactor.add(value);
        client.redactor.add(value.replace(/^(Bearer|Basic)\s+/i, ''));
      }
      try {
        const response = await client.request(p.method, p.url ?? p.path ?? '/', {
          body: p.body,
          headers: p.headers,
          signal: ctx.signal,
          timeoutMs: p.timeout,
        });
        const problems = checkResponse(response.status, response.text, p.expect);
        if (problems.length > 0) {
          throw new TesterError('ACTION_FAILED', `HTTP ${ctx.actionId}: ${describeResponse(client, response)}: ${client.redactor.text(problems.join('; '))}. Fix the request or its expect block.`);
        }
        return { summary: `${p.method} ${client.redactor.text(response.url)} -> ${response.status}` };
      } finally {
        await client.close();
      }
    },
  };
}
