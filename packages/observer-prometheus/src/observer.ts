/**
 * The Prometheus observer session. Each poll: read the targets' `lastScrape` (what a barrier waits on), run
 * every configured and registered query, scrape every direct `/metrics` URL; record `metric.sample`
 * observations when a series is new or changed (all of them when a barrier waits), `metric.absent` when a
 * series that was in a query's answer (or a scrape) is no longer there, `metric.empty` when a query starts
 * answering nothing (with the server's closest metric names), `metric.error` when Prometheus rejects a query.
 * Prometheus or a scrape URL not answering makes the observer blind.
 */
import {
  excerpt,
  ObservationKinds,
  type MetricAbsentData,
  type MetricEmptyData,
  type MetricErrorData,
  type MetricSampleData,
  type ObservationRef,
  type ObserverContext,
  type ObserverSession,
  PollLoop,
} from '@tester/core';
import { formatLabels, seriesKey } from '@tester/core/promql';
import type { PrometheusConfig, QuerySpec } from './config';
import { PromHttp, Unreachable } from './http';
import { PROMQL_INTEREST } from './interest';
import { readDirectly, type DirectRead } from './direct';
import { activeTargets, configText, declaredMetrics, instantQuery, metricNames, PrometheusDown, rangeQuery, type PromSample, type TargetInfo } from './prom-api';
import { parseExposition } from './scrape';
import { MAX_NAMES, suggestMetricNames } from './suggest';

/** Added to a target's expected scrape end: its lastScrape is updated once the scrape is stored. */
const SCHEDULE_SLACK_MS = 15;

/** Starts a Prometheus observer session for one run. */
export function startPrometheusObserver(ctx: ObserverContext<PrometheusConfig>): ObserverSession {
  const config = ctx.config;
  const http = new PromHttp(config, ctx.runId);
  for (const secret of http.secrets()) ctx.registerSecret(secret);
  const startWall = ctx.clock.wallNow();
  const lastValue = new Map<string, number>();
  const lastRangeTs = new Map<string, number>();
  const queryState = new Map<string, string>();
  /** Per query (or scraped metric name), the series in its last answer: key -> labels. */
  const present = new Map<string, Map<string, Record<string, string>>>();
  /** Per query, the suggestions found when it last started answering no series (looked up once per change). */
  const suggestions = new Map<string, string[] | undefined>();
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
  const recordState = (query: string, state: string, force: boolean, kind: string, data: MetricEmptyData | MetricErrorData | undefined, ref: ObservationRef) => {
    if (!force && queryState.get(query) === state) return false;
    queryState.set(query, state);
    if (state === 'ok' || !data) return false;
    ctx.record({ kind, subject: query, data, ref });
    return true;
  };

  /** Forgets a query's series, so that each one is recorded again when it comes back, even with the same value. */
  const forget = (query: string, scope: string, key: string) => {
    present.get(scope)?.delete(key);
    lastValue.delete(`${query}\u0000${key}`);
  };

  /**
   * Records `metric.absent` for every series of `query` that was in its previous answer and is not in `answer`
   * (this answer's series), then remembers this answer's. `scope`: whose answers they are (the query, or a scrape
   * URL and metric name). `at`: the answer's time (epoch ms), as `sourceTime`, so a reader can tell the
   * observations of one answer apart from the next.
   */
  const recordAbsences = (query: string, scope: string, answer: Record<string, string>[], at: number, where: Record<string, string>): boolean => {
    const now = new Map(answer.map((labels) => [seriesKey(labels), labels]));
    let changed = false;
    for (const [key, labels] of present.get(scope) ?? []) {
      if (now.has(key)) continue;
      forget(query, scope, key);
      const data: MetricAbsentData = { query, labels: http.redactor.value(labels) };
      ctx.record({ kind: ObservationKinds.metricAbsent, subject: query, sourceTime: at, data, ref: { type: 'custom', summary: `series ${formatLabels(data.labels) || '{}'} no longer answered`, query, ...where } });
      changed = true;
    }
    present.set(scope, now);
    return changed;
  };

  /** The server's closest metric names for a query that answers no series; `undefined` when they cannot be read. */
  const lookUpSuggestions = async (base: string, query: string, signal: AbortSignal): Promise<string[] | undefined> => {
    try {
      const names = await metricNames(http, base, signal);
      // A name without series may still be declared by a target (a labelled counter before its first increment).
      const declared = await declaredMetrics(http, base, MAX_NAMES, signal).catch((error: unknown) => {
        if (signal.aborted) throw error;
        return []; // a server without the metadata API
      });
      return suggestMetricNames(query, names, declared);
    } catch (error) {
      if (signal.aborted) throw error;
      return undefined; // "did you mean" is a courtesy: the query's own answer was read, so the observer is not blind
    }
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
  const runQuery = async (base: string, spec: QuerySpec, force: boolean, completeUntil: number, signal: AbortSignal, direct?: DirectRead): Promise<boolean> => {
    const now = Math.min(ctx.clock.wallNow(), Number.isFinite(completeUntil) ? completeUntil : Infinity);
    const outcome = spec.range
      ? await rangeQuery(http, base, spec.query, Math.min(now, lastRangeStart.get(spec.query) ?? startWall - spec.lookback), now, spec.step, signal)
      : await instantQuery(http, base, spec.query, signal);
    const custom = (summary: string): ObservationRef => ({ type: 'custom', summary, url: base, query: spec.query });
    if (!outcome.ok) {
      const message = http.redactor.text(outcome.error);
      const data: MetricErrorData = { query: spec.query, error: message, errorType: outcome.errorType };
      return recordState(spec.query, `error:${message}`, force, ObservationKinds.metricError, data, custom(`query failed: ${outcome.errorType}: ${message}`));
    }
    if (spec.range) lastRangeStart.set(spec.query, Math.max(startWall, now - spec.step));
    if (outcome.samples.length === 0) {
      // Every series is gone: one `metric.empty` says so; each is recorded again when it comes back.
      for (const key of [...(present.get(spec.query)?.keys() ?? [])]) forget(spec.query, spec.query, key);
      if (!spec.range) present.set(spec.query, new Map());
      // Looked up when the query starts answering nothing, and again on a barrier's poll: a metric may have got its
      // first series since (a labelled counter appears at its first increment), and a verdict reads that answer.
      if (queryState.get(spec.query) !== 'empty' || force) suggestions.set(spec.query, await lookUpSuggestions(base, spec.query, signal));
      const found = suggestions.get(spec.query);
      const data: MetricEmptyData = { query: spec.query, empty: true, ...(found ? { suggestions: found } : {}) };
      return recordState(spec.query, 'empty', force, ObservationKinds.metricEmpty, data, custom('query returned no series'));
    }
    recordState(spec.query, 'ok', force, '', undefined, custom(''));
    // A plain selector of a metric that changed since the last scrape: its series take their values from the
    // pages read after T (readDirectly proved they are the same series), all stamped with the read's time.
    const read = direct?.substituted.has(spec.query) ? direct : undefined;
    const from = new Map<PromSample, string>();
    const samples = read
      ? outcome.samples.map((s) => {
          const page = read.values.get(seriesKey(s.labels));
          const x = { labels: s.labels, value: page?.value ?? s.value, timestamp: read.atWall };
          if (page) from.set(x, page.url);
          return x;
        })
      : outcome.samples;
    if (read) held.set(spec.query, read.atWall);
    // A range query's series come and go between its points; only an instant answer says what is present now.
    const gone = !spec.range && recordAbsences(spec.query, spec.query, samples.map((s) => s.labels), samples[0]!.timestamp, { url: base });
    const ref = (s: PromSample): ObservationRef => {
      const page = from.get(s);
      const common = { labels: http.redactor.value(s.labels), value: s.value, timestamp: s.timestamp };
      return page ? { type: 'scrape', url: page, metric: s.labels.__name__ ?? spec.query, ...common } : { type: 'promql', url: base, query: spec.query, ...common };
    };
    return recordSamples(spec.query, samples, force, spec.range, ref) || gone;
  };
  const lastRangeStart = new Map<string, number>();
  /**
   * Per query answered from the pages, when they were read (epoch ms): until Prometheus has scraped every
   * target after that, its answer is older than what was recorded, and is not recorded (it would step back).
   */
  const held = new Map<string, number>();
  /** Per scrape URL, the metric names its last page showed. */
  const scrapedNames = new Map<string, Set<string>>();

  const scrape = async (url: string, force: boolean, signal: AbortSignal): Promise<{ changed: boolean; at: number }> => {
    const at = ctx.clock.wallNow();
    let response;
    try {
      response = await http.get(url, signal, 'text/plain;version=0.0.4');
    } catch (error) {
      if (error instanceof Unreachable) throw new PrometheusDown(`scrape failed: ${error.message}`);
      throw error;
    }
    if (response.status !== 200) throw new PrometheusDown(`scrape GET ${http.redactor.text(url)} -> ${response.status} (${JSON.stringify(excerpt(response.text, 120, http.redactor))})`);
    let samples: PromSample[];
    try {
      samples = parseExposition(response.text, at);
    } catch (error) {
      throw new PrometheusDown(`scrape GET ${http.redactor.text(url)}: not the Prometheus text format (${(error as Error).message}; ${JSON.stringify(excerpt(response.text, 120, http.redactor))})`);
    }
    let changed = false;
    const byName = new Map<string, PromSample[]>();
    for (const s of samples) {
      const name = s.labels.__name__ ?? '';
      if (include.length > 0 && !include.some((r) => r.test(name))) continue;
      const xs = byName.get(name);
      if (xs) xs.push(s);
      else byName.set(name, [s]);
    }
    // A metric the page no longer shows at all: each of its series is absent (a scrape has no "empty answer").
    for (const name of scrapedNames.get(url) ?? []) if (!byName.has(name)) byName.set(name, []);
    scrapedNames.set(url, new Set([...byName.keys()].filter((n) => byName.get(n)!.length > 0)));
    for (const [name, xs] of byName) {
      changed = recordAbsences(name, `${url}\u0000${name}`, xs.map((s) => s.labels), at, { url, metric: name }) || changed;
      changed = recordSamples(name, xs, force, false, (x) => ({ type: 'scrape', url, metric: name, labels: http.redactor.value(x.labels), value: x.value, timestamp: x.timestamp })) || changed;
    }
    return { changed, at };
  };

  const relevant = (labels: Record<string, string>) => Object.entries(config.targets ?? {}).every(([k, v]) => labels[k] === v);

  /** The clock times of the barriers waiting now (a session's `barrier` adds its t until it settles). */
  const pending: number[] = [];
  /** The latest pending barrier's t, once it has passed: what a barrier poll must cover. */
  const closing = (): number | undefined => {
    if (pending.length === 0) return undefined;
    const t = Math.max(...pending);
    return t < ctx.clock.now() ? t : undefined;
  };
  const reasons = new Set<string>();
  /** Says once per reason why a barrier waits for the scrape (debug: a user asking why closing takes a scrape interval). */
  const waitingBecause = (why: string) => {
    const text = http.redactor.text(why);
    if (reasons.has(text)) return;
    reasons.add(text);
    ctx.logger.debug(`prometheus barrier: waiting for the next scrape: ${text}`, { url: config.url });
  };
  /**
   * When, by the targets' own schedule, every target not yet scraped after `tWall` will have been (epoch ms), or
   * undefined when a target does not say its interval. Prometheus scrapes each target at a fixed interval and
   * updates lastScrape when the scrape is stored, so waiting for that moment replaces polling the targets API.
   */
  const nextScrapeDone = (targets: TargetInfo[], tWall: number): number | undefined => {
    let done = -Infinity;
    for (const t of targets) {
      if (t.lastScrape !== undefined && t.lastScrape > tWall) continue;
      if (t.lastScrape === undefined || t.scrapeInterval === undefined) return undefined;
      const next = t.lastScrape + (Math.floor((tWall - t.lastScrape) / t.scrapeInterval) + 1) * t.scrapeInterval;
      done = Math.max(done, next + (t.lastScrapeDuration ?? 0) + SCHEDULE_SLACK_MS);
    }
    return Number.isFinite(done) ? done : undefined;
  };
  const listTargets = async (base: string, signal: AbortSignal) => {
    const all = await activeTargets(http, base, signal);
    const targets = all.filter((t) => relevant(t.labels));
    if (targets.length === 0 && config.targets) {
      throw new PrometheusDown(`no active Prometheus target matches targets ${JSON.stringify(config.targets)}; check the targets option against ${base}/targets`);
    }
    return { all, targets };
  };

  const loop = new PollLoop({
    ctx,
    fastMs: config.poll.fastInterval,
    slowMs: config.poll.slowInterval,
    readyTimeoutMs: config.poll.readyTimeout,
    label: 'the Prometheus observer',
    readyHint: 'Check that Prometheus (url) and every scrape URL answer.',
    async poll(signal, _pollNo, force) {
      const startedWall = ctx.clock.wallNow();
      let covers = Infinity;
      let changed = false;
      if (config.url) {
        const base = config.url;
        let listed = await listTargets(base, signal);
        // Queries run after this read, so they include every sample of those scrapes.
        const scrapedUntil = () => (listed.targets.length === 0 ? startedWall : Math.min(...listed.targets.map((x) => x.lastScrape ?? -Infinity)));
        const t = force ? closing() : undefined;
        let direct: DirectRead | undefined;
        if (t !== undefined && toClock(scrapedUntil()) <= t) {
          const outcome = config.readTargets
            ? await readDirectly({
                http,
                base,
                all: listed.all,
                relevant: listed.targets,
                queries: queries(),
                now: () => ({ clock: ctx.clock.now(), wall: ctx.clock.wallNow() }),
                signal,
                config: () => configText(http, base, signal),
              })
            : { ok: false as const, why: 'readTargets is off' };
          if (outcome.ok) direct = outcome;
          else {
            waitingBecause(outcome.why);
            const tWall = ctx.clock.wallNow() - (ctx.clock.now() - t);
            const done = nextScrapeDone(listed.targets, tWall);
            if (done !== undefined && done > ctx.clock.wallNow()) {
              await ctx.clock.until(ctx.clock.now() + (done - ctx.clock.wallNow()), signal);
              listed = await listTargets(base, signal);
            }
          }
        }
        const scraped = scrapedUntil();
        for (const spec of queries()) {
          const heldUntil = held.get(spec.query);
          // A proof that Prometheus holds the pages' values (its metrics did not change) also ends the hold.
          if (heldUntil !== undefined && (scraped > heldUntil || (direct && !direct.substituted.has(spec.query)))) held.delete(spec.query);
          else if (heldUntil !== undefined && !direct) continue;
          changed = (await runQuery(base, spec, force, scraped, signal, direct)) || changed;
        }
        covers = direct ? direct.atClock : toClock(scraped);
      }
      for (const url of config.scrape) {
        const result = await scrape(url, force, signal);
        changed = result.changed || changed;
        covers = Math.min(covers, toClock(result.at));
      }
      return { changed, covers };
    },
  });
  const session = loop.session(() => http.close());
  return {
    ...session,
    barrier(t, signal) {
      pending.push(t);
      return session.barrier(t, signal).finally(() => pending.splice(pending.indexOf(t), 1));
    },
  };
}
