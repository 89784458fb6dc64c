/** The `metrics` evaluator: a comparator over `metric.sample` observations at the window's end, over a span, or as an increase/rate. */
import type { EvaluationContext, Evaluator, MetricSampleData, Observation } from '@tester/core';
import { formatMs } from '../common/duration';
import { describeAll } from '../common/evidence';
import { at, errored, failed, makeEvaluator, passed, pending, type Outcome } from '../common/outcome';
import { compare, fmt } from './comparator';
import { metricQuery } from './query';
import type { MetricsItem } from './schema';

type Span = 'window' | 'fault' | 'recovery';
const sample = (o: Observation) => o.data as MetricSampleData;
const seriesKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
const seriesText = (labels: Record<string, string>) => {
  const e = Object.entries(labels ?? {}).filter(([k]) => k !== '__name__');
  return e.length ? `{${e.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
};

export function createMetricsEvaluator(item: MetricsItem): Evaluator {
  const query = metricQuery(item);
  const samples: Observation[] = [];
  /** `metric.empty` / `metric.error` observations of this query (the Prometheus observer's "no series" and "rejected"). */
  let empty: Observation | undefined;
  let rejected: Observation | undefined;
  let firstLookAt = Number.POSITIVE_INFINITY;
  const c = item.value;
  const label = item.quantile !== undefined ? `p${+(item.quantile * 100).toFixed(2)} of ${item.name}${seriesText(item.labels ?? {})}` : query;
  const mode: 'end' | 'during' | 'hold' | 'increase' | 'rate' = item.during ? 'during' : item.hold !== undefined ? 'hold' : item.increase ? 'increase' : item.rate ? 'rate' : 'end';
  const spanOf = (item.during ?? item.increase ?? item.rate) as Span | undefined;
  const description =
    mode === 'end' ? `${label} ${c.text} at the window's end`
    : mode === 'hold' ? `${label} ${c.text} for ${formatMs(item.hold as number)} after the fault ended`
    : mode === 'during' ? `${label} ${c.text} during the ${spanOf}`
    : `${mode}(${label}) over the ${spanOf} ${c.text}`;

  const matches = (o: Observation): boolean => {
    if (o.kind !== 'metric.sample' || o.source !== item.source) return false;
    const d = sample(o);
    const same = d.query === query || (item.name !== undefined && item.quantile === undefined && d.query === item.name);
    if (!same) return false;
    if (item.labels && item.quantile === undefined) return Object.entries(item.labels).every(([k, v]) => d.labels?.[k] === v);
    return true;
  };

  /** When this query was first answered (a sample of any series, or an empty result). */
  const firstSampledAt = () => firstLookAt;

  function bySeries(xs: Observation[]): Map<string, Observation[]> {
    const m = new Map<string, Observation[]>();
    for (const o of xs) {
      const k = seriesKey(sample(o).labels);
      m.set(k, [...(m.get(k) ?? []), o]);
    }
    return m;
  }

  /** The span's bounds, or why they are not known yet. */
  function bounds(ctx: EvaluationContext, span: Span): { from: number; to: number | undefined } | Outcome {
    const opens = ctx.window.opensAt as number;
    // A span that ends with the window takes every sample received until the verdict: the barrier's sample
    // arrives after T and is the one that shows the state at T.
    if (span === 'window') return { from: opens, to: ctx.window.closed ? Number.POSITIVE_INFINITY : undefined };
    if (!ctx.faults.length) return ctx.window.closed ? errored(`"${span}" needs a fault, and this scenario injected none`) : pending('a fault to start');
    const from = Math.min(...ctx.faults.map((f) => f.startedAt));
    const active = ctx.faults.some((f) => f.endedAt === undefined);
    const end = active ? undefined : Math.max(...ctx.faults.map((f) => f.endedAt as number));
    if (span === 'fault') return { from, to: end };
    if (end === undefined) return pending('the fault to end (the recovery starts then)');
    return { from: end, to: ctx.window.closed ? Number.POSITIVE_INFINITY : undefined };
  }

  /** Per series, the last sample before the first fault (or before the window when there is none). */
  function baselines(ctx: EvaluationContext): Map<string, Observation> | Outcome {
    const cut = ctx.faults.length ? Math.min(...ctx.faults.map((f) => f.startedAt)) : (ctx.window.opensAt as number);
    const out = new Map<string, Observation>();
    for (const [k, xs] of bySeries(samples.filter((o) => o.receivedAt < cut))) out.set(k, xs.at(-1) as Observation);
    if (!out.size) return errored(`no baseline for ${label}: no sample before the fault started (the query must be sampled before the first action; see metricQueries())`);
    for (const [k, o] of out) if (Number.isNaN(sample(o).value)) return errored(`the baseline of ${label}${seriesText(k === "[]" ? {} : sample(o).labels)} is NaN (no data before the fault)`, [o.seq]);
    return out;
  }

  /** Checks samples against the comparator; the first failing sample, or undefined. */
  function judge(ctx: EvaluationContext, xs: Observation[], base: Map<string, Observation> | undefined): Outcome | { bad: Observation; text: string } | undefined {
    for (const o of xs) {
      const b = base?.get(seriesKey(sample(o).labels));
      if (c.usesBaseline && !b) return errored(`no baseline for series ${seriesText(sample(o).labels)} of ${label}: it had no sample before the fault`, [o.seq]);
      const r = compare(c, sample(o).value, b ? sample(b).value : undefined);
      if (!r.ok) return { bad: o, text: `${label}${seriesText(sample(o).labels)} was ${fmt(sample(o).value)} at ${at(ctx, o.receivedAt)}, expected ${r.bound}` };
    }
    return undefined;
  }

  function check(ctx: EvaluationContext): Outcome {
    if (ctx.window.opensAt === undefined) return pending('the window to open (the first action to start)');
    let base: Map<string, Observation> | undefined;
    if (c.usesBaseline) {
      const b = baselines(ctx);
      if (!(b instanceof Map)) return b;
      base = b;
    }
    const baseSeqs = [...(base?.values() ?? [])].map((o) => o.seq);
    if (rejected) return errored(`${item.source} rejected ${query}: ${String((rejected.data as { error?: unknown }).error)}`, [rejected.seq]);
    const none = empty
      ? `${query} returned no series (${describeAll([empty])})`
      : `no sample of ${query} was recorded by ${item.source} (is the query registered? see metricQueries())`;

    if (mode === 'end') {
      if (!ctx.window.closed) return pending(`the window to close to read ${label}`);
      const latest = [...bySeries(samples).values()].map((xs) => xs.at(-1) as Observation);
      if (!latest.length) return failed(none, [], true);
      const r = judge(ctx, latest, base);
      if (r && 'status' in r) return r;
      if (r) return failed(`${r.text} at the window's end (${describeAll([r.bad])})`, [r.bad.seq, ...baseSeqs]);
      return passed(`${label} ${c.text} at the window's end: ${latest.map((o) => fmt(sample(o).value)).join(', ')} (${describeAll(latest)})`, [...latest.map((o) => o.seq), ...baseSeqs]);
    }

    if (mode === 'increase' || mode === 'rate') {
      const b = bounds(ctx, spanOf as Span);
      if ('status' in b) return b;
      if (b.to === undefined || !ctx.window.closed) return pending(`the ${spanOf} to end to compute ${mode}(${label})`);
      const to = b.to;
      const spanEnd = Number.isFinite(to) ? to : (ctx.window.closesAt ?? ctx.clock.now());
      const results: { key: string; value: number; used: Observation[] }[] = [];
      for (const [key, xs] of bySeries(samples)) {
        const before = xs.filter((o) => o.receivedAt <= b.from).at(-1);
        const inside = xs.filter((o) => o.receivedAt > b.from && o.receivedAt <= to);
        // A labelled counter appears at its first increment, so a series first seen inside the span started at 0,
        // but only if the query was already being sampled before (else its first sample is just our first look).
        const firstLook = !before && inside.length > 0 && inside[0]!.receivedAt <= firstSampledAt();
        let prev = before ? sample(before).value : firstLook ? sample(inside[0]!).value : 0;
        let inc = 0;
        for (const o of inside) {
          const v = sample(o).value;
          inc += v >= prev ? v - prev : v; // a drop is a counter reset
          prev = v;
        }
        const value = mode === 'rate' ? inc / Math.max(0.001, (spanEnd - b.from) / 1000) : inc;
        results.push({ key, value, used: [...(before ? [before] : []), ...inside.slice(-1)] });
      }
      const what = `${mode}(${label}) over the ${spanOf} (${formatMs(spanEnd - b.from)})`;
      if (!results.length) {
        const r = compare(c, 0, undefined);
        return r.ok ? passed(`${what} = 0 ${c.text}: no series existed (a counter never incremented)`, []) : failed(`${what} = 0 (no series existed), expected ${r.bound}`, [], true);
      }
      const bad = results.find((x) => !compare(c, x.value, undefined).ok);
      if (bad) return failed(`${what}${seriesText(Object.fromEntries(JSON.parse(bad.key)))} = ${fmt(bad.value)}, expected ${c.text} (${describeAll(bad.used)})`, bad.used.map((o) => o.seq));
      return passed(`${what} = ${results.map((x) => fmt(x.value)).join(', ')} ${c.text}`, results.flatMap((x) => x.used.map((o) => o.seq)));
    }

    // during / hold. Observers may record a value only when it changes, so a series' value over a span is the
    // sample in force when the span starts (its last one before) and every sample within it.
    const stepSamples = (from: number, to: number | undefined): Observation[] => {
      const out: Observation[] = [];
      for (const xs of bySeries(samples).values()) {
        const before = xs.filter((o) => o.receivedAt < from).at(-1);
        if (before) out.push(before);
        out.push(...xs.filter((o) => o.receivedAt >= from && (to === undefined || o.receivedAt <= to)));
      }
      return out.sort((a, b) => a.seq - b.seq);
    };
    const now = ctx.clock.now();

    if (mode === 'hold') {
      const hold = item.hold as number;
      const b = bounds(ctx, 'recovery');
      if ('status' in b && b.status === 'pending') return pending(`the fault to end (the ${formatMs(hold)} hold starts when ${label} is back ${c.text})`);
      if ('status' in b) return b;
      // The hold starts when the metric is back within bounds after the fault ended: its own recovery.
      const after = stepSamples(b.from, undefined);
      const okAt = (t: number) => {
        const current = [...bySeries(after.filter((o) => o.receivedAt <= t)).values()].map((xs) => xs.at(-1) as Observation);
        return current.length > 0 && !judge(ctx, current, base);
      };
      const start = [b.from, ...after.map((o) => o.receivedAt).filter((t) => t > b.from)].find(okAt);
      if (start === undefined) {
        if (ctx.window.closed) return failed(`${label} was not back ${c.text} after the fault ended (${describeAll(after.slice(-3))})`, after.map((o) => o.seq), !after.length);
        return pending(`${label} to be back ${c.text} after the fault ended, then hold it ${formatMs(hold)}`, after.map((o) => o.seq));
      }
      const end = start + hold;
      const inHold = after.filter((o) => o.receivedAt > start && o.receivedAt <= end);
      const r = judge(ctx, inHold, base);
      if (r && 'status' in r) return r;
      if (r) return failed(`${r.text}, within the ${formatMs(hold)} hold that began at ${at(ctx, start)} (${describeAll([r.bad])})`, [r.bad.seq, ...baseSeqs]);
      const atStart = [...bySeries(after.filter((o) => o.receivedAt <= start)).values()].map((xs) => xs.at(-1) as Observation);
      const held = [...atStart, ...inHold].sort((a, b) => a.seq - b.seq);
      if (now > end) return passed(`${label} ${c.text} from ${at(ctx, start)} for ${formatMs(hold)} (${describeAll(held.slice(-3))})`, [...held.map((o) => o.seq), ...baseSeqs]);
      if (ctx.window.closed) return failed(`the window closed before the ${formatMs(hold)} hold that began at ${at(ctx, start)} was over (lengthen window.after)`, held.map((o) => o.seq), true);
      return pending(`${label} to hold ${c.text} until ${at(ctx, end)}`, held.map((o) => o.seq), end + 1);
    }

    const b = bounds(ctx, spanOf as Span);
    if ('status' in b) return b;
    const { from, to } = b;
    const inSpan = stepSamples(from, to);
    const r = judge(ctx, inSpan, base);
    if (r && 'status' in r) return r;
    if (r) return failed(`${r.text}, during the ${spanOf} (${describeAll([r.bad])})`, [r.bad.seq, ...baseSeqs]);
    // Samples are judged by when they were received, so once the clock is past the span's end it is complete.
    const complete = to !== undefined && (ctx.window.closed || now > to);
    if (!complete) return pending(`the ${spanOf} to be over (${label} ${c.text} so far)`, inSpan.map((o) => o.seq));
    if (!inSpan.length) return failed(`${none.replace('was recorded', `was recorded during the ${spanOf}`)}`, [], true);
    return passed(`${label} ${c.text} throughout the ${spanOf} (${inSpan.length} sample${inSpan.length === 1 ? '' : 's'}: ${describeAll(inSpan.slice(-3))})`, [...inSpan.map((o) => o.seq), ...baseSeqs]);
  }

  return makeEvaluator({
    section: 'metrics',
    description,
    sources: [item.source],
    needsClosedWindow: mode === 'end' || mode === 'increase' || mode === 'rate' || (mode === 'during' && spanOf !== 'fault'),
    observe: (o) => {
      const q = (o.data as { query?: unknown } | undefined)?.query;
      if (o.source === item.source && (q === query || (item.name !== undefined && q === item.name))) firstLookAt = Math.min(firstLookAt, o.receivedAt);
      if (matches(o)) samples.push(o);
      else if (o.source === item.source && (o.data as { query?: unknown } | undefined)?.query === query) {
        if (o.kind === 'metric.empty') empty = o;
        if (o.kind === 'metric.error') rejected = o;
      }
    },
    checks: [check],
  });
}
