/**
 * The Prometheus HTTP API calls the observer needs, with the three outcomes kept apart:
 * the server cannot be read (-> blind), the query failed (-> a `metric.error` observation), or it answered
 * (possibly with no series -> a `metric.empty` observation).
 */
import { excerpt } from '@tester/core';
import { type PromHttp, Unreachable } from './http';

export interface PromSample {
  labels: Record<string, string>;
  value: number;
  /** Epoch ms. */
  timestamp: number;
}

export type QueryOutcome =
  | { ok: true; url: string; samples: PromSample[] }
  | { ok: false; url: string; errorType: string; error: string };

/** Thrown when Prometheus itself cannot be read: the observer goes blind with this message. */
export class PrometheusDown extends Error {}

const num = (v: string): number => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

/** The answer of `url` is JSON, but not what the Prometheus API answers there: say what was expected. */
function wrongShape(http: PromHttp, url: string, status: number, expected: string, text: string): PrometheusDown {
  return new PrometheusDown(
    `GET ${http.redactor.text(url)} -> ${status}: expected ${expected}, got ${JSON.stringify(excerpt(text, 120, http.redactor))}; is url pointing at Prometheus?`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPair = (v: unknown): v is [number, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';

async function call(http: PromHttp, url: string, signal: AbortSignal): Promise<{ url: string; body: Record<string, unknown>; status: number; text: string }> {
  let response;
  try {
    response = await http.get(url, signal);
  } catch (error) {
    if (error instanceof Unreachable) throw new PrometheusDown(`Prometheus unreachable: ${error.message}`);
    throw error;
  }
  // 400 (bad_data) and 422 (execution) are the query's fault; anything else non-2xx means we cannot see.
  if (response.status >= 300 && response.status !== 400 && response.status !== 422) {
    throw new PrometheusDown(`GET ${http.redactor.text(url)} -> ${response.status} (${JSON.stringify(excerpt(response.text, 120, http.redactor))})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    throw new PrometheusDown(`GET ${http.redactor.text(url)} -> ${response.status}: body is not JSON (${JSON.stringify(excerpt(response.text, 120, http.redactor))}); is url pointing at Prometheus?`);
  }
  if (!isObject(body) || (body.status !== 'success' && body.status !== 'error')) {
    throw wrongShape(http, url, response.status, 'a Prometheus API answer {"status":"success","data":...}', response.text);
  }
  return { url, body, status: response.status, text: response.text };
}

function errorOf(body: Record<string, unknown>): { errorType: string; error: string } | undefined {
  if (body.status === 'success') return undefined;
  return { errorType: String(body.errorType ?? 'error'), error: String(body.error ?? 'unknown error') };
}

/** An instant query evaluated now. */
export async function instantQuery(http: PromHttp, base: string, query: string, signal: AbortSignal): Promise<QueryOutcome> {
  const { url, body, status, text } = await call(http, `${base.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`, signal);
  const failed = errorOf(body);
  if (failed) return { ok: false, url, ...failed };
  const data = body.data;
  const expected = 'a query answer {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[time,"value"]}]}}';
  if (!isObject(data)) throw wrongShape(http, url, status, expected, text);
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    if (!isPair(data.result)) throw wrongShape(http, url, status, expected, text);
    const [t, v] = data.result;
    return { ok: true, url, samples: [{ labels: {}, value: num(v), timestamp: Math.round(t * 1000) }] };
  }
  if (!Array.isArray(data.result) || !data.result.every((r) => isObject(r) && isObject(r.metric) && isPair(r.value))) throw wrongShape(http, url, status, expected, text);
  const result = data.result as { metric: Record<string, string>; value: [number, string] }[];
  return { ok: true, url, samples: result.map((r) => ({ labels: r.metric, value: num(r.value[1]), timestamp: Math.round(r.value[0] * 1000) })) };
}

/** A range query from `startMs` to `endMs` at `stepMs`. */
export async function rangeQuery(http: PromHttp, base: string, query: string, startMs: number, endMs: number, stepMs: number, signal: AbortSignal): Promise<QueryOutcome> {
  const params = new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: `${Math.max(stepMs, 1) / 1000}s` });
  const { url, body, status, text } = await call(http, `${base.replace(/\/$/, '')}/api/v1/query_range?${params}`, signal);
  const failed = errorOf(body);
  if (failed) return { ok: false, url, ...failed };
  const data = body.data;
  const ok =
    isObject(data) && Array.isArray(data.result) && data.result.every((r) => isObject(r) && isObject(r.metric) && Array.isArray(r.values) && r.values.every(isPair));
  if (!ok) throw wrongShape(http, url, status, 'a range query answer {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},"values":[[time,"value"],...]}]}}', text);
  const result = (data as { result: { metric: Record<string, string>; values: [number, string][] }[] }).result;
  return {
    ok: true,
    url,
    samples: result.flatMap((r) => r.values.map(([t, v]) => ({ labels: r.metric, value: num(v), timestamp: Math.round(t * 1000) }))),
  };
}

export interface TargetInfo {
  labels: Record<string, string>;
  scrapeUrl: string;
  /** The scrape config (`job_name`) the target belongs to, when the server says. */
  scrapePool: string | undefined;
  /** Epoch ms of the last scrape, or undefined before the first. */
  lastScrape: number | undefined;
  /** How long the last scrape took (ms), when the server says. */
  lastScrapeDuration: number | undefined;
  /** The target's scrape interval (ms), when the server says (Prometheus 2.28 and later). */
  scrapeInterval: number | undefined;
  health: string;
  lastError: string;
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus duration (`15s`, `1m30s`, `500ms`) in ms; `undefined` when it is not one. */
export function promDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/g)) ms += Number(n) * GO_UNITS[unit!]!;
  return ms > 0 ? ms : undefined;
}

/** The active scrape targets with their last scrape time. */
export async function activeTargets(http: PromHttp, base: string, signal: AbortSignal): Promise<TargetInfo[]> {
  const { url, body, status, text } = await call(http, `${base.replace(/\/$/, '')}/api/v1/targets?state=active`, signal);
  const failed = errorOf(body);
  if (failed) throw new PrometheusDown(`GET ${http.redactor.text(url)}: the targets API failed: ${failed.error}`);
  const data = body.data;
  const ok = isObject(data) && Array.isArray(data.activeTargets) && data.activeTargets.every((t) => isObject(t) && isObject(t.labels));
  if (!ok) throw wrongShape(http, url, status, 'the targets API\'s answer {"status":"success","data":{"activeTargets":[{"labels":{...},"lastScrape":"...",...}]}}', text);
  const targets = (data as { activeTargets: Record<string, unknown>[] }).activeTargets;
  return targets.map((t) => {
    const at = Date.parse(String(t.lastScrape));
    const took = typeof t.lastScrapeDuration === 'number' && t.lastScrapeDuration >= 0 ? t.lastScrapeDuration * 1000 : undefined;
    return {
      labels: t.labels as Record<string, string>,
      scrapeUrl: String(t.scrapeUrl ?? ''),
      scrapePool: typeof t.scrapePool === 'string' ? t.scrapePool : undefined,
      // Prometheus reports 0001-01-01T00:00:00Z before a target's first scrape.
      lastScrape: Number.isNaN(at) || at <= 0 ? undefined : at,
      lastScrapeDuration: took,
      scrapeInterval: promDuration(t.scrapeInterval),
      health: String(t.health ?? ''),
      lastError: String(t.lastError ?? ''),
    };
  });
}

/**
 * The server's loaded configuration as YAML (`GET /api/v1/status/config`), for the scrape rules a direct read of
 * a target depends on. Throws when it cannot be read (a server without that API, or an error).
 */
export async function configText(http: PromHttp, base: string, signal: AbortSignal): Promise<string> {
  const { body } = await call(http, `${base.replace(/\/$/, '')}/api/v1/status/config`, signal);
  const failed = errorOf(body);
  if (failed) throw new Error(`the config API failed: ${failed.error}`);
  const yaml = isObject(body.data) ? body.data.yaml : undefined;
  if (typeof yaml !== 'string') throw new Error('the config API answered no yaml');
  return yaml;
}

/** Every metric name the server has (`GET /api/v1/label/__name__/values`), for "did you mean". */
export async function metricNames(http: PromHttp, base: string, signal: AbortSignal): Promise<string[]> {
  const { body } = await call(http, `${base.replace(/\/$/, '')}/api/v1/label/__name__/values`, signal);
  const failed = errorOf(body);
  if (failed) throw new Error(`label values API failed: ${failed.error}`);
  return Array.isArray(body.data) ? body.data.filter((n): n is string => typeof n === 'string') : [];
}

/**
 * The metric families the scrape targets declare (`GET /api/v1/metadata`, at most `limit`): a labelled counter that
 * never incremented has `# TYPE` and `# HELP` lines but no series, so the label values API does not list it.
 */
export async function declaredMetrics(http: PromHttp, base: string, limit: number, signal: AbortSignal): Promise<string[]> {
  const { body } = await call(http, `${base.replace(/\/$/, '')}/api/v1/metadata?limit=${limit}`, signal);
  if (errorOf(body)) return [];
  const data = body.data;
  return data && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : [];
}
