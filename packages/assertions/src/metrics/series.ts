/**
 * What a `metrics` item's query answered over time, built incrementally from `metric.sample`,
 * `metric.absent` and `metric.empty` observations: a step function of *answers*, each the set of series
 * present at that moment with their values. Observers may record only changes, so an answer holds until the
 * next one; a series leaves it on `metric.absent` (or with every other on `metric.empty`), not by going quiet.
 */
import type { MetricAbsentData, MetricSampleData, Observation } from '@tester/core';
import { ObservationKinds } from '@tester/core';
import { formatLabels, seriesKey } from '@tester/core/promql';
import { compare, fmt, type Comparator } from './comparator';
import type { Aggregate } from './schema';

/** A series' labels for messages, without the metric name (the message names the query). */
export const labelsText = (labels: Record<string, string>) => formatLabels(Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => k !== '__name__')));

export interface Series {
  key: string;
  labels: Record<string, string>;
  value: number;
  /** The sample that set this value. */
  obs: Observation;
}

/** The query's answer from `t` until the next one. */
export interface Answer {
  /** Receive time (clock ms) of its first observation. */
  t: number;
  /** Every observation of it: the samples that changed, the absences, the `metric.empty`. */
  obs: Observation[];
  series: ReadonlyMap<string, Series>;
  /** The answer's sample time (epoch ms), when its observations have one. */
  stamp: number | undefined;
}

export class SeriesTrack {
  readonly answers: Answer[] = [];
  /** Per series, every sample (for increase/rate, which do not care about gaps). */
  readonly samples = new Map<string, Observation[]>();
  /** Every series ever present, with its labels. */
  readonly known = new Map<string, Record<string, string>>();
  /** The latest `metric.empty` (with the source's suggestions) and `metric.error` of the query. */
  empty: Observation | undefined;
  rejected: Observation | undefined;
  private current = new Map<string, Series>();

  /** When the query was first answered (a sample of a series, an absence or an empty answer). */
  get firstLookAt(): number {
    return this.answers[0]?.t ?? Number.POSITIVE_INFINITY;
  }

  get everPresent(): boolean {
    return this.known.size > 0;
  }

  /** Takes one observation of the query (already matched by source, query and labels). */
  add(o: Observation): void {
    if (o.kind === ObservationKinds.metricError) {
      this.rejected = o;
      return;
    }
    if (o.kind === ObservationKinds.metricSample) {
      const d = o.data as MetricSampleData;
      const key = seriesKey(d.labels);
      this.current.set(key, { key, labels: d.labels ?? {}, value: d.value, obs: o });
      this.known.set(key, d.labels ?? {});
      const xs = this.samples.get(key);
      if (xs) xs.push(o);
      else this.samples.set(key, [o]);
    } else if (o.kind === ObservationKinds.metricAbsent) {
      this.current.delete(seriesKey((o.data as MetricAbsentData).labels));
    } else if (o.kind === ObservationKinds.metricEmpty) {
      this.current.clear();
      this.empty = o;
    } else return;
    const stamp = o.sourceTime ?? (o.data as Partial<MetricSampleData>).timestamp;
    const last = this.answers.at(-1);
    const series = new Map(this.current);
    // One answer: the same sample time (an instant query's evaluation time, a scrape's time), or the same receive
    // time when one of them has none. Two sample times are two answers (the points of a range query).
    const same = stamp !== undefined && last?.stamp !== undefined ? last.stamp === stamp : last?.t === o.receivedAt;
    if (last && same) {
      last.obs.push(o);
      last.series = series;
    } else this.answers.push({ t: o.receivedAt, obs: [o], series, stamp });
  }

  /** The answer in force at `t` (received at or before it), if the query had been answered by then. */
  at(t: number): Answer | undefined {
    let lo = 0;
    let hi = this.answers.length - 1;
    let found: Answer | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const a = this.answers[mid] as Answer;
      if (a.t <= t) {
        found = a;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The answer in force when the span opens (received before `from`), then every answer received in it. */
  during(from: number, to: number | undefined): Answer[] {
    const before = this.at(from - 1e-9);
    const inside = this.answers.filter((a) => a.t >= from && (to === undefined || a.t <= to));
    return before ? [before, ...inside] : inside;
  }

  latest(): Answer | undefined {
    return this.answers.at(-1);
  }
}

/** The aggregated value of an answer (`undefined` when no series answered), for sum, min, max and avg. */
export function aggregateOf(agg: Aggregate, values: number[]): number | undefined {
  if (!values.length) return undefined;
  switch (agg) {
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    default:
      return values.reduce((a, b) => a + b, 0);
  }
}

export const perSeries = (agg: Aggregate) => agg === 'each' || agg === 'any';

/** Compares one answer's series with the comparator as `agg` says. */
export interface Judged {
  ok: boolean;
  /** No series answered. */
  none: boolean;
  /** The value as messages show it: `3 (sum of {from="A"} 1, {from="B"} 2)`. */
  text: string;
  /** The bound the value was compared with: `>= 1`, `<= 0.15 (baseline * 1.5, baseline 0.1)`. */
  bound: string;
  /** The series that decided: every one for a pass, the failing ones for a failure. */
  deciding: Series[];
}

/** Where a series' baseline comes from: the aggregate before the fault, or each series' own value then. */
export type Baseline = { kind: 'aggregate'; value: number } | { kind: 'series'; values: ReadonlyMap<string, number> } | undefined;

export function judge(c: Comparator, agg: Aggregate, series: readonly Series[], base: Baseline, show: (s: Series) => string): Judged | { missingBaseline: Series } {
  const list = (xs: readonly Series[]) => xs.map((s) => `${show(s)} ${fmt(s.value)}`).join(', ');
  if (!series.length) return { ok: false, none: true, text: 'no series', bound: c.text, deciding: [] };
  if (!perSeries(agg)) {
    const v = aggregateOf(agg, series.map((s) => s.value)) as number;
    const r = compare(c, v, base?.kind === 'aggregate' ? base.value : undefined);
    const text = series.length === 1 ? fmt(v) : `${fmt(v)} (${agg} of ${list(series)})`;
    return { ok: r.ok, none: false, text, bound: r.bound, deciding: [...series] };
  }
  const results: { s: Series; ok: boolean; bound: string }[] = [];
  for (const s of series) {
    const b = base?.kind === 'series' ? base.values.get(s.key) : undefined;
    if (c.usesBaseline && b === undefined) return { missingBaseline: s };
    results.push({ s, ...compare(c, s.value, b) });
  }
  const bad = results.filter((r) => !r.ok);
  const ok = agg === 'each' ? bad.length === 0 : bad.length < results.length;
  const text = series.length === 1 ? fmt((series[0] as Series).value) : `${agg === 'each' ? 'each of' : 'any of'} ${list(series)}`;
  const bound = (agg === 'each' ? bad[0] ?? results[0] : results[0])!.bound;
  return { ok, none: false, text, bound, deciding: ok ? (agg === 'any' ? results.filter((r) => r.ok).map((r) => r.s) : [...series]) : bad.map((r) => r.s) };
}
