/**
 * The Prometheus observer session. Each poll: read the targets' `lastScrape` (what a barrier waits on), run
 * every configured and registered query, scrape every direct `/metrics` URL; record `metric.sample`
 * observations when a series is new or changed (all of them when a barrier waits), `metric.empty` when a
 * query starts answering nothing, `metric.error` when Prometheus rejects a query. Prometheus or a scrape
 * URL not answering makes the observer blind.
 */
import { ObservationKinds, type MetricSampleData, type ObservationRef, type ObserverContext, type ObserverSession, PollLoop } from '@tester/core';
import { DEFAULT_PROMETHEUS_URL, type PrometheusConfig, type QuerySpec } from './config';
import { excerpt, PromHttp, Unreachable } from './http';
import { METRIC_EMPTY_KIND, METRIC_ERROR_KIND, PROMQL_INTEREST } from './interest';
import { activeTargets, instantQuery, PrometheusDown, rangeQuery, type PromSample } from './prom-api';
import { parseExposition } from './scrape';

const seriesKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

/** Starts a Prometheus observer session for one run. */
export function startPrometheusObserver(ctx: ObserverContext<unknown>, given: PrometheusConfig): ObserverSession {
  // A config parsed by the bare schema (not parsePrometheusConfig) may lack the default server URL.
  const config = given.url === undefined && given.scrape.length === 0 ? { ...given, url: DEFAULT_PROMETHEUS_URL } : given;
  const http = new PromHttp(config, ctx.runId);
  for (const secret of http.secrets()) ctx.registerSecret(secret);
  const startWall = ctx.clock.wallNow();
  const lastValue = new Map<string, number>();
  const lastRangeTs = new Map<string, number>();
  const queryState = new Map<string, string>();
  const include = config.scrapeInclude.map((r) => new RegExp(r));
  const toClock = (wall: number) => ctx.clock.now() - (ctx.clock.wallNow() - wall);

  // The queries the scenario's expectations declared (core hands them over before start, so a baseline is
  // sampled from the first poll on).
  const interested = config.interest ? ctx.interests.filter((i) => i.kind === PROMQL_INTEREST).map((i) => i.value) : [];

  const queries = (): QuerySpec[] => {
    const specs = [...config.queries];
    const known = new Set(specs.map((q) => q.query));
    for (const query of interested) {
      if (known.has(query)) continue;
      known.add(query);
      specs.push({ query, range: false, step: 1000, lookback: 0 });
    }
    return specs;
  };

  /** Records a query's state change (empty / error) once per change, or again when forced. */
  const recordState = (query: string, state: string, force: boolean, kind: string, data: Record<string, unknown>, ref: ObservationRef) => {
    if (!force && queryState.get(query) === state) return false;
    queryState.set(query, state);
    if (state === 'ok') return false;
    ctx.record({ kind, subject: query, data: { query, ...data }, ref });
    return true;
  };

  const recordSamples = (query: string, samples: PromSample[], force: boolean, range: boolean, ref: (s: PromSample) => ObservationRef): boolean => {
    let changed = false;
    for (const s of samples) {
      const key = `${query}\u0000${seriesKey(s.labels)}`;
      if (range) {
        if (s.timestamp <= (lastRangeTs.get(key) ?? -Infinity)) continue;
        lastRangeTs.set(key, s.timestamp);
      } else {
        if (!force && lastValue.get(key) === s.value && lastValue.has(key)) continue;
        lastValue.set(key, s.value);
      }
      changed = true;
      const data: MetricSampleData = { query, labels: http.redactor.value(s.labels), value: s.value, timestamp: s.timestamp };
      ctx.record({ kind: ObservationKinds.metricSample, subject: query, sourceTime: s.timestamp, data, ref: ref(s) });
    }
    return changed;
  };

  /** `completeUntil`: epoch ms up to which every target has been scraped; a range query stops there so its
   * newest points are never evaluated before the scrape that would change them. */
  const runQuery = async (base: string, spec: QuerySpec, force: boolean, completeUntil: number, signal: AbortSignal): Promise<boolean> => {
    const now = Math.min(ctx.clock.wallNow(), Number.isFinite(completeUntil) ? completeUntil : Infinity);
    const outcome = spec.range
      ? await rangeQuery(http, base, spec.query, Math.min(now, lastRangeStart.get(spec.query) ?? startWall - spec.lookback), now, spec.step, signal)
      : await instantQuery(http, base, spec.query, signal);
    const custom = (summary: string): ObservationRef => ({ type: 'custom', summary, url: base, query: spec.query });
    if (!outcome.ok) {
      const message = http.redactor.text(outcome.error);
      return recordState(spec.query, `error:${message}`, force, METRIC_ERROR_KIND, { error: message, errorType: outcome.errorType }, custom(`query failed: ${outcome.errorType}: ${message}`));
    }
    if (spec.range) lastRangeStart.set(spec.query, Math.max(startWall, now - spec.step));
    if (outcome.samples.length === 0) {
      return recordState(spec.query, 'empty', force, METRIC_EMPTY_KIND, { empty: true }, custom('query returned no series'));
    }
    recordState(spec.query, 'ok', force, '', {}, custom(''));
    return recordSamples(spec.query, outcome.samples, force, spec.range, (s) => ({ type: 'promql', url: base, query: spec.query, labels: http.redactor.value(s.labels), value: s.value, timestamp: s.timestamp }));
  };
  const lastRangeStart = new Map<string, number>();

  const scrape = async (url: string, force: boolean, signal: AbortSignal): Promise<{ changed: boolean; at: number }> => {
    const at = ctx.clock.wallNow();
    let response;
    try {
      response = await http.get(url, signal, 'text/plain;version=0.0.4');
    } catch (error) {
      if (error instanceof Unreachable) throw new PrometheusDown(`scrape failed: ${error.message}`);
      throw error;
    }
    if (response.status !== 200) throw new PrometheusDown(`scrape GET ${http.redactor.text(url)} -> ${response.status} (${excerpt(http.redactor, response.text)})`);
    let samples: PromSample[];
    try {
      samples = parseExposition(response.text, at);
    } catch (error) {
      throw new PrometheusDown(`scrape GET ${http.redactor.text(url)}: not the Prometheus text format (${(error as Error).message}; ${excerpt(http.redactor, response.text)})`);
    }
    let changed = false;
    for (const s of samples) {
      const name = s.labels.__name__ ?? '';
      if (include.length > 0 && !include.some((r) => r.test(name))) continue;
      changed = recordSamples(name, [s], force, false, (x) => ({ type: 'scrape', url, metric: name, labels: http.redactor.value(x.labels), value: x.value, timestamp: x.timestamp })) || changed;
    }
    return { changed, at };
  };

  const relevant = (labels: Record<string, string>) => Object.entries(config.targets ?? {}).every(([k, v]) => labels[k] === v);

  const loop = new PollLoop({
    ctx,
    fastMs: config.poll.fastInterval,
    slowMs: config.poll.slowInterval,
    readyTimeoutMs: config.poll.readyTimeout,
    label: 'the Prometheus observer',
    readyHint: 'Check that Prometheus (url) and every scrape URL answer.',
    async poll(signal, _pollNo, force) {
      const startedWall = ctx.clock.wallNow();
      let coversWall = Infinity;
      let changed = false;
      if (config.url) {
        const targets = (await activeTargets(http, config.url, signal)).filter((t) => relevant(t.labels));
        if (targets.length === 0 && config.targets) {
          throw new PrometheusDown(`no active Prometheus target matches targets ${JSON.stringify(config.targets)}; check the targets option against ${config.url}/targets`);
        }
        // Queries run after this read, so they include every sample of those scrapes.
        coversWall = targets.length === 0 ? startedWall : Math.min(...targets.map((t) => t.lastScrape ?? -Infinity));
        for (const spec of queries()) changed = (await runQuery(config.url, spec, force, coversWall, signal)) || changed;
      }
      for (const url of config.scrape) {
        const result = await scrape(url, force, signal);
        changed = result.changed || changed;
        coversWall = Math.min(coversWall, result.at);
      }
      return { changed, covers: toClock(coversWall) };
    },
  });
  return loop.session(() => http.close());
}
